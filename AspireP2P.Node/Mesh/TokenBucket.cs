namespace AspireP2P.Node.Mesh;

/// <summary>
/// A rate with a burst: <c>capacity</c> tokens, refilled at <c>perSecond</c>; each event takes one. Time is passed in
/// (the node's clock), so the simulator and fake clocks drive it. Not thread-safe: one link's reader owns each.
/// </summary>
internal sealed class TokenBucket(double capacity, double perSecond, DateTimeOffset start)
{
    private readonly double _capacity = capacity;
    private double _tokens = capacity;
    private DateTimeOffset _at = start;

    /// <summary>Takes a token; false when none is left (the event is over the rate).</summary>
    public bool TryTake(DateTimeOffset now)
    {
        if (now > _at)
        {
            _tokens = Math.Min(_capacity, _tokens + ((now - _at).TotalSeconds * perSecond));
            _at = now;
        }

        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
