namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// Bounds of a session, so that a peer — which controls every message it sends — can make this node do only bounded work
/// and hold only bounded state per step: what a message may carry, how much is computed before a reply goes out, and how
/// much may wait for later steps. Both sides of a link use their own; the decoder's caps are fixed and more generous.
/// </summary>
public sealed record ReconcileLimits
{
    /// <summary>An outgoing message is closed once it reaches this size; the rest waits for the next step.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024;

    /// <summary>Work per step, in items hashed or leaves read; beyond it the reply goes out and the work resumes next step.</summary>
    public int MaxWorkPerStep { get; init; } = 65_536;

    /// <summary>Ranges waiting to be answered; a session that would hold more is abandoned (the next one starts afresh).</summary>
    public int MaxPending { get; init; } = 65_536;

    /// <summary>Steps before a session is abandoned (a peer that keeps saying "more").</summary>
    public int MaxSteps { get; init; } = 4_096;

    /// <summary>A differing range of feeds with at most this many on this side is answered by their summaries rather than split.</summary>
    public int FeedListThreshold { get; init; } = 8;

    /// <summary>A differing seq range with at most this many entries on this side is answered by its list rather than split.</summary>
    public int SeqListThreshold { get; init; } = 16;

    /// <summary>A feed with more gaps is summarized without them; a difference in it is then found by seq ranges.</summary>
    public int MaxSummaryGaps { get; init; } = 16;

    /// <summary>A need of more ranges than this is found by seq ranges instead.</summary>
    public int MaxNeedRanges { get; init; } = 64;
}
