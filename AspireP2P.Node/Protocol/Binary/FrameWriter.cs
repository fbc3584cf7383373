using System.Buffers.Binary;
using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// Writes a binary frame: bytes, unsigned LEB128 varints (7 bits a byte, low first, as protobuf), node ids. One writer
/// per thread is reused (<see cref="Rent"/>), so an encode allocates only the frame it returns.
/// </summary>
public sealed class FrameWriter
{
    [ThreadStatic]
    private static FrameWriter? t_shared;

    private byte[] _buffer = new byte[1024];
    private int _length;

    public int Length => _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>This thread's writer, emptied.</summary>
    public static FrameWriter Rent()
    {
        var writer = t_shared ??= new FrameWriter();
        writer._length = 0;
        return writer;
    }

    public byte[] ToArray() => Written.ToArray();

    /// <summary>Empties the writer, keeping its buffer.</summary>
    public void Reset() => _length = 0;

    public void Byte(byte value) => Space(1)[0] = value;

    public void Bytes(ReadOnlySpan<byte> value) => value.CopyTo(Space(value.Length));

    public void Id(NodeId id) => id.Write(Space(NodeId.ByteLength));

    public void Fixed64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Space(8), value);

    public void VarInt(ulong value)
    {
        var span = Space(VarInts.SizeOf(value));
        var at = 0;
        while (value >= 0x80)
        {
            span[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[at] = (byte)value;
    }

    /// <summary>A signed value, zig-zag encoded so small negative numbers stay short.</summary>
    public void SignedVarInt(long value) => VarInt((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>A length-prefixed byte string.</summary>
    public void Blob(ReadOnlySpan<byte> value)
    {
        VarInt((ulong)value.Length);
        Bytes(value);
    }

    private Span<byte> Space(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}

/// <summary>Sizes of the varints <see cref="FrameWriter"/> writes, for budgets computed before writing.</summary>
public static class VarInts
{
    public static int SizeOf(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    public static int SizeOf(long value) => SizeOf((ulong)value);

    public static int SizeOfSigned(long value) => SizeOf((ulong)((value << 1) ^ (value >> 63)));
}
