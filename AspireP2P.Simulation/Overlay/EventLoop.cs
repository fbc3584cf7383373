namespace AspireP2P.Simulation.Overlay;

/// <summary>
/// The overlay harness's clock and queue: events run in time order (ties in the order they were scheduled), on one
/// thread, and the clock jumps to the next one, so a run replays exactly from its seed. The policies under test read
/// time from <see cref="Time"/>.
/// </summary>
public sealed class EventLoop
{
    private readonly PriorityQueue<Action, (TimeSpan At, long Order)> _queue = new();
    private long _order;

    public EventLoop() => Time = new LoopTime(this);

    public TimeSpan Now { get; private set; }

    public TimeProvider Time { get; }

    public long Steps { get; private set; }

    public void At(TimeSpan at, Action action) => _queue.Enqueue(action, (at < Now ? Now : at, _order++));

    public void After(TimeSpan delay, Action action) => At(Now + delay, action);

    /// <summary>Runs every event due up to <paramref name="until"/>, then sets the clock there.</summary>
    public void RunUntil(TimeSpan until)
    {
        while (_queue.TryPeek(out _, out var key) && key.At <= until)
        {
            var action = _queue.Dequeue();
            Now = key.At;
            Steps++;
            action();
        }

        Now = until;
    }

    private sealed class LoopTime(EventLoop loop) : TimeProvider
    {
        private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Epoch + loop.Now;

        public override long GetTimestamp() => loop.Now.Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }
}
