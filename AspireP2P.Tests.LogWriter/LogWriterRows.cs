using System.Buffers.Binary;
using AspireP2P.Node.Identity;

namespace AspireP2P.Tests.LogWriter;

/// <summary>The rows the writer appends, derived from their position so the test can check every byte after a crash.</summary>
public static class LogWriterRows
{
    public static NodeId Origin { get; } = new(0x0123456789abcdef, 0xfedcba9876543210);

    public static long SeqOf(long position) => position + 1;

    public static byte[] Blob(long position)
    {
        var blob = new byte[150 + (int)(position % 150)];
        BinaryPrimitives.WriteInt64BigEndian(blob, position);
        for (var i = 8; i < blob.Length; i++)
        {
            blob[i] = (byte)(position * 31 + i);
        }

        return blob;
    }
}
