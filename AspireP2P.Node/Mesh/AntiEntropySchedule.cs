namespace AspireP2P.Node.Mesh;

public enum VectorDue
{
    None,

    /// <summary>The feeds changed since this link's previous vector.</summary>
    Delta,

    /// <summary>Every feed.</summary>
    Full,
}

/// <summary>
/// When each link's vector goes out (anti-entropy): a delta whenever the peer's digest differs from ours, at most every
/// <c>interval</c>, and a full vector every <c>fullInterval</c> whatever the digests say, so neither a digest collision
/// nor a stream of writes holds repair back. Links send a full vector when they open. Mesh loop only.
/// </summary>
internal sealed class AntiEntropySchedule(TimeSpan interval, TimeSpan fullInterval)
{
    private readonly Dictionary<long, (DateTimeOffset LastVector, DateTimeOffset LastFull)> _links = [];

    public void Opened(long link, DateTimeOffset now) => _links[link] = (now, now);

    public void Closed(long link) => _links.Remove(link);

    /// <summary>What is due on a link now, noting it as sent.</summary>
    public VectorDue Due(long link, DateTimeOffset now, bool digestsDiffer)
    {
        var (lastVector, lastFull) = _links.GetValueOrDefault(link, (now, now));
        if (now - lastFull >= fullInterval)
        {
            _links[link] = (now, now);
            return VectorDue.Full;
        }

        if (digestsDiffer && now - lastVector >= interval)
        {
            _links[link] = (now, lastFull);
            return VectorDue.Delta;
        }

        return VectorDue.None;
    }
}
