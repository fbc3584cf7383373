using System.Diagnostics;

namespace AspireP2P.NetDelay;

/// <summary>Releases held packets (accept verdicts) when their delay has passed, on one thread, earliest first.</summary>
internal sealed class DelayedRelease : IDisposable
{
    private readonly NfQueue _queue;
    private readonly TimeSpan _delay;
    private readonly TimeSpan _jitter;
    private readonly PriorityQueue<uint, long> _held = new();
    private readonly Lock _lock = new();
    private readonly AutoResetEvent _changed = new(false);
    private readonly Thread _thread;
    private volatile bool _stopped;

    public DelayedRelease(NfQueue queue, TimeSpan delay, TimeSpan jitter)
    {
        _queue = queue;
        _delay = delay;
        _jitter = jitter;
        _thread = new Thread(Run) { IsBackground = true, Name = "release", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>Called for each queued packet: schedules its release at now + delay ± jitter.</summary>
    public void Hold(uint packetId)
    {
        var jitter = _jitter == TimeSpan.Zero ? 0 : (Random.Shared.NextDouble() * 2 - 1) * _jitter.TotalSeconds;
        var due = Stopwatch.GetTimestamp() + (long)((_delay.TotalSeconds + jitter) * Stopwatch.Frequency);
        lock (_lock)
        {
            _held.Enqueue(packetId, due);
        }

        _changed.Set();
    }

    public void Dispose()
    {
        _stopped = true;
        _changed.Set();
        _thread.Join();
        _changed.Dispose();
    }

    private void Run()
    {
        while (!_stopped)
        {
            long wait;
            lock (_lock)
            {
                var now = Stopwatch.GetTimestamp();
                while (_held.TryPeek(out var id, out var due) && due <= now)
                {
                    _held.Dequeue();
                    _queue.Accept(id);
                }

                wait = _held.TryPeek(out _, out var next) ? next - now : -1;
            }

            _changed.WaitOne(wait < 0 ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(0, wait));
        }
    }
}
