namespace AspireP2P.Node.Membership;

/// <summary>
/// HyParView's parameters, in the node's terms. <see cref="ActiveSize"/> is P2P:TargetPeers (the paper's log n + 1: 3–6);
/// the passive view is about six times larger. The walk lengths and shuffle sizes are the paper's.
/// </summary>
public sealed record MembershipOptions
{
    /// <summary>Links kept open, symmetric (P2P:TargetPeers). A node never holds more: a join or a high-priority link evicts one.</summary>
    public int ActiveSize { get; init; } = 4;

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

    /// <summary>How long a node remembers the hop a shuffle came from, to route its reply back.</summary>
    public TimeSpan ShuffleReplyWindow { get; init; } = TimeSpan.FromSeconds(10);
}
