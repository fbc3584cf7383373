using System.Buffers.Binary;
using System.Security.Cryptography;
using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// One feed as a reconciliation session sees it, immutable: how many entries, the highest seq, the gaps below it
/// ([from₁, to₁, from₂, to₂, …], inclusive), and the feed's digest, a SHA-256 over origin, count, high and the feed's
/// <see cref="ContentSum"/>. Equal digests mean the same entries (leaf hashes commit to origin and seq, so the content
/// sum also fixes which seqs are held); the gaps are there to say what differs once digests do.
/// </summary>
public sealed class PublishedFeed
{
    private static ReadOnlySpan<byte> Tag => "aspirep2p/feed/v1\n"u8;

    private readonly UInt128 _digestLow;
    private readonly UInt128 _digestHigh;

    public PublishedFeed(NodeId origin, long count, long high, long[] gaps, in ContentSum content)
    {
        Origin = origin;
        Count = count;
        High = high;
        Gaps = gaps;
        Span<byte> input = stackalloc byte[Tag.Length + NodeId.ByteLength + 16 + ContentSum.ByteLength];
        Tag.CopyTo(input);
        var at = Tag.Length;
        origin.Write(input[at..]);
        at += NodeId.ByteLength;
        BinaryPrimitives.WriteInt64LittleEndian(input[at..], count);
        BinaryPrimitives.WriteInt64LittleEndian(input[(at + 8)..], high);
        content.Write(input[(at + 16)..]);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        _digestLow = BinaryPrimitives.ReadUInt128LittleEndian(digest);
        _digestHigh = BinaryPrimitives.ReadUInt128LittleEndian(digest[16..]);
    }

    public NodeId Origin { get; }

    public long Count { get; }

    public long High { get; }

    public long[] Gaps { get; }

    public int GapCount => Gaps.Length / 2;

    public void WriteDigest(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt128LittleEndian(destination, _digestLow);
        BinaryPrimitives.WriteUInt128LittleEndian(destination[16..], _digestHigh);
    }

    /// <summary>This feed's item hash within a session (salted), truncated: what a summary carries to compare content.</summary>
    public UInt128 Fingerprint(ReadOnlySpan<byte> salt)
    {
        Span<byte> digest = stackalloc byte[32];
        WriteDigest(digest);
        return RangeSum.ItemFingerprint(salt, digest);
    }
}
