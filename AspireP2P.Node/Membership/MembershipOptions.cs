namespace AspireP2P.Node.Membership;

/// <summary>
/// HyParView's parameters, in the node's terms. <see cref="ActiveSize"/> is P2P:TargetPeers (the paper's log n + 1: 3–6);
/// the passive view is about six times larger. The walk lengths and shuffle sizes are the paper's.
/// </summary>
public sealed record MembershipOptions
{
    /// <summary>Links a node keeps open by its own dials, symmetric (P2P:TargetPeers).</summary>
    public int ActiveSize { get; init; } = 4;

    /// <summary>
    /// Links a node accepts from others (low priority) before refusing; 0: <see cref="ActiveSize"/> + 1. The slack lets a
    /// node that lost a link, or rotates one, find room among nodes that are all at their target. A join or a
    /// high-priority dial beyond it evicts a random active member. At most P2P:MaxPeers.
    /// </summary>
    public int ActiveMax { get; init; }

    public int AcceptLimit => ActiveMax > 0 ? Math.Max(ActiveMax, ActiveSize) : ActiveSize + 1;

    /// <summary>Addresses kept to replace a failed active link at once.</summary>
    public int PassiveSize { get; init; } = 24;

    /// <summary>Hops a join travels before a node must take the joiner in (ARWL).</summary>
    public int ActiveWalkLength { get; init; } = 6;

    /// <summary>The hop of a join's walk at which the node keeps the joiner as passive (PRWL).</summary>
    public int PassiveWalkLength { get; init; } = 3;

    /// <summary>Active and passive members a shuffle carries besides its origin.</summary>
    public int ShuffleActive { get; init; } = 3;

    public int ShufflePassive { get; init; } = 4;

    public TimeSpan ShuffleInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a node below <see cref="ActiveSize"/> tries passive members.</summary>
    public TimeSpan PromoteInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often a node at its target replaces one active link by a passive member (dials it, then drops a random other
    /// link, which its peer replaces in turn). HyParView alone changes active links only on joins and failures, so a
    /// network that joined as a chain keeps the chain's shape (diameter 49 at 1,000 nodes in the harness); rotating one
    /// link per interval turns it into a random graph, and reconnects a group that closed on itself.
    /// </summary>
    public TimeSpan RotateInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Each rotation doubles the interval to the next, up to this: a mixed graph keeps changing, slowly.</summary>
    public TimeSpan RotateMaxInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a node remembers the hop a shuffle came from, to route its reply back.</summary>
    public TimeSpan ShuffleReplyWindow { get; init; } = TimeSpan.FromSeconds(10);
}
