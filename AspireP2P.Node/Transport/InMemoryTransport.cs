using System.Threading.Tasks.Sources;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Transport;

/// <summary>
/// How the in-memory network treats a message between two addresses: how long it takes (null: lost), and whether the
/// two can reach each other at all. The default delivers everything at once. The simulator supplies latency, loss,
/// bandwidth and partitions.
/// </summary>
public interface ILinkModel
{
    /// <summary>Can <paramref name="source"/> open a link to <paramref name="destination"/>, and do messages between them get through?</summary>
    bool Reachable(string source, string destination);

    /// <summary>The delay of one message of <paramref name="bytes"/> bytes, or null when it is lost.</summary>
    TimeSpan? Delay(string source, string destination, int bytes);
}

/// <summary>
/// Nodes in one process linked without sockets, as memberlist's in-memory transport does: in-process tests run on it,
/// and the simulator runs thousands of nodes on it with a simulated clock. Each direction of a link delivers in order;
/// a message's delivery time comes from the <see cref="ILinkModel"/> and the <see cref="TimeProvider"/>.
/// </summary>
public sealed class InMemoryNetwork(TimeProvider time, ILinkModel? model = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IUpgradeAcceptor> _acceptors = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Pipe> _open = [];

    public TimeProvider Time => time;

    internal ILinkModel? Model => model;

    /// <summary>Makes <paramref name="address"/> dialable; the returned handle unregisters it.</summary>
    public IDisposable Register(PeerAddress address, IUpgradeAcceptor acceptor)
    {
        lock (_gate) { _acceptors[address.Key] = acceptor; }
        return new Registration(this, address.Key, acceptor);
    }

    /// <summary>A transport that dials from <paramref name="self"/> (its address is what the link model sees).</summary>
    public IPeerTransport TransportFor(PeerAddress self) => new InMemoryTransport(this, self.Key);

    /// <summary>Ends every open link of <paramref name="address"/> at once, as a crashed process's links end.</summary>
    public void AbortAll(PeerAddress address)
    {
        List<Pipe> pipes;
        lock (_gate) { pipes = _open.Where(p => p.Involves(address.Key)).ToList(); }
        foreach (var pipe in pipes)
        {
            pipe.Abort("connection lost: the peer's process ended");
        }
    }

    internal IUpgradeAcceptor? Acceptor(string key)
    {
        lock (_gate) { return _acceptors.GetValueOrDefault(key); }
    }

    internal void Opened(Pipe pipe)
    {
        lock (_gate) { _open.Add(pipe); }
    }

    internal void Closed(Pipe pipe)
    {
        lock (_gate) { _open.Remove(pipe); }
    }

    private sealed class Registration(InMemoryNetwork network, string key, IUpgradeAcceptor acceptor) : IDisposable
    {
        public void Dispose()
        {
            lock (network._gate)
            {
                if (network._acceptors.TryGetValue(key, out var current) && current == acceptor)
                {
                    network._acceptors.Remove(key);
                }
            }
        }
    }
}

/// <summary>Dials over an <see cref="InMemoryNetwork"/>.</summary>
public sealed class InMemoryTransport(InMemoryNetwork network, string self) : IPeerTransport
{
    public async Task<DialResult> DialAsync(PeerAddress address, IReadOnlyDictionary<string, string> headers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var model = network.Model;
        var to = address.Key;
        if (model is not null && !model.Reachable(self, to))
        {
            // A partition: the connection attempt times out (no answer), as it would on a network that drops packets.
            await Task.Delay(timeout, network.Time, cancellationToken);
            return new DialResult.Failed($"no answer within {timeout.TotalSeconds:0.#} s");
        }

        if (model?.Delay(self, to, 256) is { } handshake && handshake > TimeSpan.Zero)
        {
            // The upgrade's round trip.
            await Task.Delay(handshake + handshake, network.Time, cancellationToken);
        }

        var acceptor = network.Acceptor(to);
        if (acceptor is null)
        {
            return new DialResult.Failed($"connection refused ({to})");
        }

        var decision = acceptor.Evaluate(headers, self);
        if (!decision.Accepted)
        {
            return DialResult.Refused.From(decision.Status, decision.Reason ?? "refused", decision.ResponseHeaders);
        }

        var pipe = new Pipe(network, self, to);
        network.Opened(pipe);
        _ = acceptor.RunAcceptedAsync(pipe.AcceptorEnd, decision, CancellationToken.None);
        return new DialResult.Connected(pipe.DialerEnd, decision.ResponseHeaders);
    }
}

/// <summary>Both directions of one in-memory link.</summary>
internal sealed class Pipe
{
    private readonly InMemoryNetwork _network;
    private int _closed;

    public Pipe(InMemoryNetwork network, string dialer, string acceptor)
    {
        _network = network;
        DialerEnd = new End(this, dialer, acceptor);
        AcceptorEnd = new End(this, acceptor, dialer);
        DialerEnd.Other = AcceptorEnd;
        AcceptorEnd.Other = DialerEnd;
    }

    public End DialerEnd { get; }

    public End AcceptorEnd { get; }

    public bool Involves(string key) => DialerEnd.Self == key || AcceptorEnd.Self == key;

    public void Abort(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            DialerEnd.EndNow(reason);
            AcceptorEnd.EndNow(reason);
            _network.Closed(this);
        }
    }

    public void Closed() => _network.Closed(this);

    internal sealed class End(Pipe pipe, string self, string other) : IPeerConnection
    {
        private readonly Inbox _inbox = new();

        private readonly Queue<(long Due, byte[]? Message, string? Close)> _inTransit = new();
        private ITimer? _delivery;
        private long _nextDeliveryTicks;
        private bool _sendClosed;

        public End Other { get; set; } = null!;

        public string Self => self;

        public string Remote => other;

        /// <summary>The token is checked on entry only: a pending receive ends when either end closes or aborts the link.</summary>
        public ValueTask<InboundFrame> ReceiveAsync(int maxBytes, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = _inbox.ReceiveAsync();
            return next.IsCompletedSuccessfully ? new ValueTask<InboundFrame>(Frame(next.Result, maxBytes)) : WaitAsync(next, maxBytes);
        }

        private static async ValueTask<InboundFrame> WaitAsync(ValueTask<(byte[]? Message, string? Close)> next, int maxBytes) => Frame(await next, maxBytes);

        private static InboundFrame Frame((byte[]? Message, string? Close) item, int maxBytes) => item.Message switch
        {
            null => new InboundFrame(FrameKind.Closed, default, item.Close),
            var message when message.Length > maxBytes => new InboundFrame(FrameKind.Oversize, default, null, message.Length),
            var message => new InboundFrame(FrameKind.Text, message, null, message.Length),
        };

        public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            if (_sendClosed)
            {
                return ValueTask.FromException(new IOException("the link is closed"));
            }

            Deliver(message.ToArray(), null);
            return ValueTask.CompletedTask;
        }

        public ValueTask CloseAsync(string reason, CancellationToken cancellationToken)
        {
            if (!_sendClosed)
            {
                _sendClosed = true;
                Deliver(null, $"peer closed the link: {reason}");
            }

            // Our own reader ends too.
            _inbox.Post((null, "closed by this node"));
            pipe.Closed();
            return ValueTask.CompletedTask;
        }

        public void Abort() => pipe.Abort("connection lost");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        internal void EndNow(string reason) => _inbox.Post((null, reason));

        /// <summary>Sends to the other end, in order, after the link model's delay (dropped when it says so).</summary>
        private void Deliver(byte[]? message, string? close)
        {
            var network = pipe._network;
            var model = network.Model;
            if (model is null)
            {
                Other._inbox.Post((message, close));
                return;
            }

            if (!model.Reachable(self, other))
            {
                return; // partitioned: the bytes vanish, and nothing tells either side
            }

            var delay = model.Delay(self, other, message?.Length ?? 64);
            if (delay is null && message is not null)
            {
                return; // lost
            }

            var now = network.Time.GetUtcNow().UtcTicks;
            var due = Math.Max(now + (delay ?? TimeSpan.Zero).Ticks, _nextDeliveryTicks);
            _nextDeliveryTicks = due;
            if (due <= now && _inTransit.Count == 0)
            {
                Other._inbox.Post((message, close));
                return;
            }

            // In order, so one timer per direction suffices: it fires for the oldest message still on its way.
            _inTransit.Enqueue((due, message, close));
            if (_inTransit.Count == 1)
            {
                _delivery ??= network.Time.CreateTimer(static state => ((End)state!).Arrive(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _delivery.Change(TimeSpan.FromTicks(due - now), Timeout.InfiniteTimeSpan);
            }
        }

        /// <summary>Hands the other end every message whose time has come, and waits for the next.</summary>
        private void Arrive()
        {
            var now = pipe._network.Time.GetUtcNow().UtcTicks;
            while (_inTransit.TryPeek(out var head) && head.Due <= now)
            {
                _inTransit.Dequeue();
                Other._inbox.Post((head.Message, head.Close));
            }

            if (_inTransit.TryPeek(out var next))
            {
                _delivery!.Change(TimeSpan.FromTicks(next.Due - now), Timeout.InfiniteTimeSpan);
            }
        }
    }
}

/// <summary>
/// What one end of an in-memory link has received and not yet read: any thread posts, one reader waits. A lock and a
/// queue, lighter than a channel on this path (the simulator moves millions of messages through it).
/// </summary>
internal sealed class Inbox : IValueTaskSource<(byte[]? Message, string? Close)>
{
    private readonly Lock _gate = new();
    private readonly Queue<(byte[]? Message, string? Close)> _items = new();
    private ManualResetValueTaskSourceCore<(byte[]? Message, string? Close)> _core = new() { RunContinuationsAsynchronously = true };
    private bool _waiting;

    public void Post((byte[]? Message, string? Close) item)
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                _items.Enqueue(item);
                return;
            }

            _waiting = false;
        }

        _core.SetResult(item);
    }

    public ValueTask<(byte[]? Message, string? Close)> ReceiveAsync()
    {
        lock (_gate)
        {
            if (_items.TryDequeue(out var item))
            {
                return new ValueTask<(byte[]?, string?)>(item);
            }

            _core.Reset();
            _waiting = true;
            return new ValueTask<(byte[]?, string?)>(this, _core.Version);
        }
    }

    public (byte[]? Message, string? Close) GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
