using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Reconciliation;

/// <summary>An entry's seq and leaf hash, as a seq range is read from the log.</summary>
public readonly record struct SeqLeaf(long Seq, UInt128 LeafLow, UInt128 LeafHigh)
{
    public void WriteLeaf(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(destination, LeafLow);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128LittleEndian(destination[16..], LeafHigh);
    }

    public static SeqLeaf Of(long seq, ReadOnlySpan<byte> leaf) => new(
        seq, System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(leaf), System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(leaf[16..]));
}

/// <summary>
/// What a session reads of this node: the feeds (a snapshot, fixed for the session) and, only inside a feed whose content
/// differs, its entries' leaf hashes from the log, a page at a time. Thread-safe for the session's thread.
/// </summary>
public interface IReconcileView
{
    FeedSnapshot Feeds { get; }

    /// <summary>
    /// Fills <paramref name="page"/> with the entries held of <paramref name="origin"/> with <paramref name="fromSeq"/> ≤ seq
    /// ≤ <paramref name="toSeq"/>, in seq order, from the first; returns how many. A caller reads the rest from the seq after
    /// the last one returned.
    /// </summary>
    int ReadLeaves(NodeId origin, long fromSeq, long toSeq, Span<SeqLeaf> page);

    /// <summary>
    /// Removes from <paramref name="ranges"/> the seqs held by now (arrived live since the snapshot), so a need names only
    /// what is still missing and the peer does not push it twice.
    /// </summary>
    void TrimHeld(NodeId origin, List<(long From, long To)> ranges);
}
