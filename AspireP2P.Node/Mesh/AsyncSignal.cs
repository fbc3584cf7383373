using System.Threading.Tasks.Sources;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// A wake-up flag one task waits on and any thread sets: cheaper than a channel (no lock on the common path, no
/// allocation per wait). Setting it while nobody waits is remembered; several sets before the wait count as one.
/// The waiter's continuation is never run inline by the setter (a writer must not run inside a reader's call).
/// </summary>
public sealed class AsyncSignal : IValueTaskSource
{
    private const int Idle = 0;
    private const int Signaled = 1;
    private const int Waiting = 2;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _state;

    public void Set()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Signaled)
            {
                return;
            }

            if (state == Waiting)
            {
                if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                {
                    _core.SetResult(true);
                    return;
                }

                continue;
            }

            if (Interlocked.CompareExchange(ref _state, Signaled, Idle) == Idle)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Completes when the signal is (or has been) set; one waiter at a time. Not cancellable: whoever cancels the waiter's
    /// work also sets the signal (one token registration for the waiter's life, instead of one per wait).
    /// </summary>
    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled)
        {
            return ValueTask.CompletedTask;
        }

        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // Set in between: consume it.
            Volatile.Write(ref _state, Idle);
            return ValueTask.CompletedTask;
        }

        return new ValueTask(this, _core.Version);
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
