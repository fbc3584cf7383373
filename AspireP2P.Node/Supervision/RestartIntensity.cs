namespace AspireP2P.Node.Supervision;

/// <summary>
/// How often a supervised loop may fail before its node fails stop (Erlang/OTP's restart intensity): at most
/// <see cref="MaxRestarts"/> failures within any <see cref="Period"/>. Failures older than the period are forgotten, so
/// a loop that fails now and then runs for ever, and one that keeps failing stops the node instead of spinning.
/// Not thread-safe: one supervised loop owns one.
/// </summary>
public sealed class RestartIntensity(int maxRestarts, TimeSpan period)
{
    /// <summary>Five failures within a minute: a loop that fails more often than that is not going to recover by itself.</summary>
    public static RestartIntensity Default() => new(5, TimeSpan.FromMinutes(1));

    private readonly Queue<DateTimeOffset> _failures = new();

    public int MaxRestarts => maxRestarts;

    public TimeSpan Period => period;

    /// <summary>Failures within the period, as of the last <see cref="Failed"/>.</summary>
    public int Recent => _failures.Count;

    /// <summary>Records a failure at <paramref name="now"/>; false when it is one too many: the node must fail stop.</summary>
    public bool Failed(DateTimeOffset now)
    {
        while (_failures.TryPeek(out var oldest) && now - oldest >= period)
        {
            _failures.Dequeue();
        }

        _failures.Enqueue(now);
        return _failures.Count <= maxRestarts;
    }
}
