using System.Buffers.Binary;
using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// Reads a binary frame from a peer, who controls every byte: each read checks what is left first and returns false
/// rather than throwing, and a length is never trusted beyond the bytes that follow it, so no read allocates more than
/// the frame already holds. After the first failed read every later one fails too (<see cref="Failed"/>).
/// </summary>
public ref struct FrameReader(ReadOnlySpan<byte> frame)
{
    private readonly ReadOnlySpan<byte> _frame = frame;
    private int _at;

    public readonly int Remaining => Failed ? 0 : _frame.Length - _at;

    public readonly bool AtEnd => !Failed && _at == _frame.Length;

    public bool Failed { get; private set; }

    /// <summary>The first failed read wanted more bytes than were left (rather than a value out of range).</summary>
    public bool Truncated { get; private set; }

    public bool Byte(out byte value)
    {
        value = 0;
        if (Remaining < 1)
        {
            return Fail(truncated: true);
        }

        value = _frame[_at++];
        return true;
    }

    public bool Bytes(int count, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (count < 0 || Remaining < count)
        {
            return Fail(truncated: count >= 0);
        }

        value = _frame.Slice(_at, count);
        _at += count;
        return true;
    }

    public bool Id(out NodeId id)
    {
        id = default;
        if (!Bytes(NodeId.ByteLength, out var bytes))
        {
            return false;
        }

        id = NodeId.Read(bytes);
        return true;
    }

    public bool Fixed64(out ulong value)
    {
        value = 0;
        if (!Bytes(8, out var bytes))
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return true;
    }

    /// <summary>An unsigned LEB128 varint of at most 64 bits; a longer one fails.</summary>
    public bool VarInt(out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!Byte(out var b))
            {
                return false;
            }

            if (shift == 63 && b > 1)
            {
                return Fail();
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return Fail();
    }

    /// <summary>A varint that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public bool VarInt(long min, long max, out long value)
    {
        value = 0;
        if (!VarInt(out var raw) || raw > (ulong)long.MaxValue || (long)raw < min || (long)raw > max)
        {
            return Fail();
        }

        value = (long)raw;
        return true;
    }

    public bool SignedVarInt(out long value)
    {
        value = 0;
        if (!VarInt(out var raw))
        {
            return false;
        }

        value = (long)(raw >> 1) ^ -(long)(raw & 1);
        return true;
    }

    /// <summary>
    /// A count of items that each take at least <paramref name="minItemBytes"/> bytes: at most <paramref name="max"/>, and
    /// never more than the bytes left could hold, so a collection sized by it is bounded by the frame.
    /// </summary>
    public bool Count(int max, int minItemBytes, out int count)
    {
        count = 0;
        var limit = Math.Min(max, Remaining / Math.Max(1, minItemBytes));
        if (!VarInt(0, limit, out var value))
        {
            return false;
        }

        count = (int)value;
        return true;
    }

    /// <summary>A length-prefixed byte string of at most <paramref name="max"/> bytes.</summary>
    public bool Blob(int max, out ReadOnlySpan<byte> value)
    {
        value = default;
        return VarInt(0, max, out var length) ? Bytes((int)length, out value) : false;
    }

    private bool Fail(bool truncated = false)
    {
        if (!Failed)
        {
            Truncated = truncated;
        }

        Failed = true;
        return false;
    }
}
