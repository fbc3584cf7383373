namespace AspireP2P.Node.Broadcast;

/// <summary>Timers and bounds of eager/lazy push.</summary>
public sealed record BroadcastOptions
{
    /// <summary>How long a record announced and not received is waited for before a GRAFT (Plumtree's first timer).</summary>
    public TimeSpan GraftTimeout { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>How long after a GRAFT the next announcer is asked, if the record still has not come.</summary>
    public TimeSpan RegraftTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Records announced and not yet received that are followed; beyond, the oldest are left to reconciliation.</summary>
    public int MaxMissing { get; init; } = 16_384;

    /// <summary>An announced range longer than this is left to reconciliation (announcements are of live records: a few at a time).</summary>
    public int MaxAnnouncedRange { get; init; } = 64;
}
