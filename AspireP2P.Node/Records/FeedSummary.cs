using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Records;

/// <summary>
/// What a node holds of one feed: every seq from 1 to <see cref="High"/> except the gap ranges
/// (<see cref="Gaps"/> = [from₁, to₁, from₂, to₂, …], sorted, inclusive), and an XOR of those entries' content hashes,
/// which differs when two nodes hold different entries under the same seqs (an origin that signed twice).
/// </summary>
public sealed record FeedSummary(NodeId Origin, long High, ulong ContentXor, long[] Gaps)
{
    public int GapCount => Gaps.Length / 2;
}

/// <summary>
/// What a peer holds of one feed, as a link keeps it between vectors: a <see cref="FeedSummary"/> without its origin (the
/// key it is kept under), as a value, because a link may keep a hundred thousand of them.
/// </summary>
public readonly record struct FeedView(long High, ulong ContentXor, long[] Gaps)
{
    public int GapCount => Gaps.Length / 2;

    public static FeedView Of(FeedSummary summary) => new(summary.High, summary.ContentXor, summary.Gaps);
}
