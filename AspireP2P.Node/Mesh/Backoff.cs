namespace AspireP2P.Node.Mesh;

/// <summary>Capped exponential back-off with "equal jitter": half the step is fixed, half random, so peers that lost one node do not re-dial in lock-step.</summary>
public static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max, double random)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var step = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(step / 2 + step / 2 * Math.Clamp(random, 0, 1));
    }
}
