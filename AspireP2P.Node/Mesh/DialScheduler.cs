using AspireP2P.Node.Hosting;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// When peers are dialed again: capped exponential back-off with jitter that really grows. A peer's attempt count goes up
/// with every dial and starts over only once a link to it has stayed up for <see cref="StableAfter"/>; a link that opens
/// and drops at once (a peer that refuses us after the upgrade, a one-way partition) is a failure like any other, so its
/// re-dials slow down instead of running every quarter second for ever. Re-dials are also rate-limited
/// (<see cref="NodeOptions.DialsPerSecond"/>). Mesh loop only.
/// </summary>
internal sealed class DialScheduler(NodeOptions options, DateTimeOffset start)
{
    private double _tokens = options.DialsPerSecond;
    private DateTimeOffset _refilled = start;

    /// <summary>A link that lasts this long is a success (two heartbeat timeouts: long enough to have proven both ways).</summary>
    public TimeSpan StableAfter => options.HeartbeatTimeout * 2;

    /// <summary>Adds the dial tokens earned since the last refill.</summary>
    public void Refill(DateTimeOffset now)
    {
        var elapsed = Math.Max(0, (now - _refilled).TotalSeconds);
        _refilled = now;
        _tokens = Math.Min(options.DialsPerSecond, _tokens + (elapsed * options.DialsPerSecond));
    }

    /// <summary>Takes a dial token if one is left (dials beyond the rate wait for the next tick).</summary>
    public bool TryTake()
    {
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }

    /// <summary>A dial starts: one more attempt.</summary>
    public static void Dialing(PeerEntry entry)
    {
        entry.Attempts++;
        entry.NextAttemptAt = null;
        entry.State = entry.Attempts == 1 ? PeerState.Connecting : PeerState.Retrying;
    }

    /// <summary>A dial failed (or was refused): the next one waits out the back-off for this many attempts.</summary>
    public TimeSpan Failed(PeerEntry entry, DateTimeOffset now, double random)
    {
        var delay = Backoff.Delay(Math.Max(1, entry.Attempts), options.ReconnectMinDelay, options.ReconnectMaxDelay, random);
        entry.State = PeerState.Retrying;
        entry.NextAttemptAt = now + delay;
        return delay;
    }

    /// <summary>A link to the peer opened. The attempt count stays until the link proves stable.</summary>
    public static void Linked(PeerEntry entry, DateTimeOffset now)
    {
        entry.State = PeerState.Connected;
        entry.LinkedAt = now;
        entry.NextAttemptAt = null;
    }

    /// <summary>
    /// The peer's link closed: after a stable link the streak starts over (re-dialed after the shortest delay); after a
    /// short one it goes on (re-dialed after the back-off for its attempts so far).
    /// </summary>
    public TimeSpan Closed(PeerEntry entry, DateTimeOffset now, double random)
    {
        if (entry.LinkedAt is { } linkedAt && now - linkedAt >= StableAfter)
        {
            entry.Attempts = 0;
        }

        entry.LinkedAt = null;
        var delay = Backoff.Delay(Math.Max(1, entry.Attempts), options.ReconnectMinDelay, options.ReconnectMaxDelay, random);
        entry.State = PeerState.Retrying;
        entry.Since = now;
        entry.NextAttemptAt = now + delay;
        return delay;
    }

    /// <summary>A link that has stayed up for <see cref="StableAfter"/> ends its peer's failure streak.</summary>
    public void Settle(PeerEntry entry, DateTimeOffset now)
    {
        if (entry.State == PeerState.Connected && entry.Attempts > 0 && entry.LinkedAt is { } linkedAt && now - linkedAt >= StableAfter)
        {
            entry.Attempts = 0;
        }
    }

    /// <summary>Whether the entry should be dialed now.</summary>
    public static bool IsDue(PeerEntry entry, DateTimeOffset now) =>
        entry.Link is null && !entry.Dialing && entry.Wanted && entry.NextAttemptAt <= now;

    /// <summary>The earliest time a re-dial comes due, if any.</summary>
    public static DateTimeOffset? NextDue(IEnumerable<PeerEntry> entries) =>
        entries.Where(e => e.Link is null && !e.Dialing && e.Wanted && e.NextAttemptAt is not null).Min(e => e.NextAttemptAt);
}
