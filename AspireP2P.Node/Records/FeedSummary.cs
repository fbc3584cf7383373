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
