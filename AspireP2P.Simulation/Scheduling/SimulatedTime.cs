namespace AspireP2P.Simulation.Scheduling;

/// <summary>The simulation's clock: it moves only when the scheduler has nothing left to run now.</summary>
public sealed class SimulatedTime(SimulationScheduler scheduler) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => scheduler.Start.AddTicks(scheduler.Now);

    public override long GetTimestamp() => scheduler.Now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        scheduler.AssertOnThread();
        var timer = new SimulatedTimer(scheduler, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }
}

/// <summary>A timer of the simulated clock; its callback runs on the simulation's thread at the simulated due time.</summary>
public sealed class SimulatedTimer(SimulationScheduler scheduler, TimerCallback callback, object? state) : ITimer
{
    private long _generation;
    private long _period;
    private bool _disposed;

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (_disposed)
        {
            return false;
        }

        _generation++;
        _period = period == Timeout.InfiniteTimeSpan ? 0 : Math.Max(1, period.Ticks);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            scheduler.Schedule(this, _generation, scheduler.Now + Math.Max(0, dueTime.Ticks));
        }

        return true;
    }

    /// <summary>Called by the scheduler when an entry of this timer comes due; stale entries (changed or disposed since) do nothing.</summary>
    internal bool Fire(long generation, long due)
    {
        if (_disposed || generation != _generation)
        {
            return false;
        }

        if (_period > 0)
        {
            scheduler.Schedule(this, _generation, due + _period);
        }

        callback(state);
        return true;
    }

    public void Dispose() => _disposed = true;

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }
}
