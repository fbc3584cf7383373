using System.Runtime.CompilerServices;

namespace AspireP2P.Simulation.Scheduling;

/// <summary>
/// Runs a whole simulated network on one thread, deterministically: every continuation of every node's async code is
/// posted here (this is the thread's <see cref="SynchronizationContext"/>) and run in order; when nothing is ready, the
/// clock jumps to the next timer. The same seed therefore replays the same run, event for event (as FoundationDB's
/// simulator and .NET's Clockwork do). The node code it runs follows the rules that make this work: no Task.Run, no
/// ConfigureAwait(false), time only from its TimeProvider, randomness only from its seeded Random.
/// </summary>
public sealed class SimulationScheduler : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _ready = new();
    private readonly PriorityQueue<(SimulatedTimer Timer, long Generation), (long Due, long Order)> _timers = new();
    private readonly Thread _thread = Thread.CurrentThread;
    private long _order;

    public SimulationScheduler(DateTimeOffset start)
    {
        Start = start;
        Time = new SimulatedTime(this);
    }

    public DateTimeOffset Start { get; }

    /// <summary>Simulated time since the start, in ticks.</summary>
    public long Now { get; private set; }

    public SimulatedTime Time { get; }

    /// <summary>Continuations and timer callbacks run so far.</summary>
    public long Steps { get; private set; }

    public override void Post(SendOrPostCallback d, object? state)
    {
        if (Thread.CurrentThread != _thread)
        {
            // Something escaped to another thread: the run would no longer be deterministic.
            throw new InvalidOperationException($"a continuation was posted from outside the simulation's thread (Task.Run or ConfigureAwait(false) in simulated code?): {Describe(state)}");
        }

        _ready.Enqueue((d, state));
    }

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    private static string Describe(object? state) => state switch
    {
        Action action => $"{action.Method.DeclaringType?.FullName}.{action.Method.Name} on {action.Target}",
        _ => state?.ToString() ?? "(null)",
    };

    public override SynchronizationContext CreateCopy() => this;

    internal void Schedule(SimulatedTimer timer, long generation, long due) => _timers.Enqueue((timer, generation), (Math.Max(due, Now), _order++));

    /// <summary>Runs until simulated time reaches <paramref name="until"/> (ticks since start), or nothing is left to do.</summary>
    public void RunUntil(long until)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            while (true)
            {
                while (_ready.TryDequeue(out var work))
                {
                    Steps++;
                    work.Callback(work.State);
                }

                if (!_timers.TryPeek(out var timer, out var key) || key.Due > until)
                {
                    Now = Math.Max(Now, until);
                    return;
                }

                _timers.Dequeue();
                Now = Math.Max(Now, key.Due);
                if (timer.Timer.Fire(timer.Generation, key.Due))
                {
                    Steps++;
                }
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    /// <summary>Runs <paramref name="action"/> inside the simulation (so what it starts is scheduled here), then what it made ready.</summary>
    public void Run(Action action)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            action();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }

        RunUntil(Now);
    }

    public void RunFor(TimeSpan duration) => RunUntil(Now + duration.Ticks);

    /// <summary>An awaitable that continues, on the simulation, once <paramref name="duration"/> of simulated time has passed.</summary>
    public Task Delay(TimeSpan duration) => Task.Delay(duration, Time);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AssertOnThread()
    {
        if (Thread.CurrentThread != _thread)
        {
            throw new InvalidOperationException("simulated time was used from outside the simulation's thread");
        }
    }
}
