using System.Net.WebSockets;
using System.Threading.Channels;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Peers;

/// <summary>Why a peer is known: named on the command line, added through the API, or dialed back after its HANDSHAKE.</summary>
public enum PeerOrigin
{
    Bootstrap,
    Api,
    ConnectBack,
}

/// <summary>
/// One outbound WebSocket that this node dialed; as in the tutorial, a node writes only to the connections it
/// opened. Owns a bounded queue: when a peer is slow the oldest message is dropped and counted, and the
/// other links never wait for it.
/// </summary>
public sealed class PeerLink : IDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<byte[]> _queue;
    private readonly NodeTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();
    private long _sent;
    private long _dropped;

    internal PeerLink(PeerAddress address, string? nodeId, ClientWebSocket socket, int capacity, NodeTelemetry telemetry, ILogger logger, DateTimeOffset connectedAt)
    {
        Address = address;
        NodeId = nodeId;
        ConnectedAt = connectedAt;
        Capacity = capacity;
        _socket = socket;
        _telemetry = telemetry;
        _logger = logger;
        _queue = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => OnDropped());
    }

    public PeerAddress Address { get; }

    /// <summary>The peer's node id from its upgrade response; null for a node that does not send one (the tutorial's).</summary>
    public string? NodeId { get; }

    public DateTimeOffset ConnectedAt { get; }

    public int Capacity { get; }

    public int Queued => _queue.Reader.Count;

    public long Sent => Interlocked.Read(ref _sent);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Completes when the link is gone, with the reason.</summary>
    public Task<string> Completion { get; private set; } = Task.FromResult("not started");

    internal void Start() => Completion = RunAsync();

    /// <summary>Queues one message; never blocks. A full queue drops its oldest message.</summary>
    public void Enqueue(byte[] frame) => _queue.Writer.TryWrite(frame);

    public void Close()
    {
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already closed and cleaned up.
        }
    }

    public void Dispose() => _closing.Dispose();

    private void OnDropped()
    {
        var dropped = Interlocked.Increment(ref _dropped);
        _telemetry.QueueDropped(Address.ToString());
        // One line per power of two keeps a flood of drops visible without flooding the log.
        if ((dropped & (dropped - 1)) == 0)
        {
            Log.QueueDropped(_logger, Address.ToString(), Capacity, dropped);
        }
    }

    private async Task<string> RunAsync()
    {
        var sending = SendLoopAsync(_closing.Token);
        var receiving = ReceiveLoopAsync(_closing.Token);
        var first = await Task.WhenAny(sending, receiving).ConfigureAwait(false);
        await _closing.CancelAsync().ConfigureAwait(false);
        var reason = await first.ConfigureAwait(false);
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out _))
        {
            OnDropped();
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closing", timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is already gone; nothing to tell it.
        }

        _socket.Abort();
        _socket.Dispose();
        await Task.WhenAll(sending, receiving).ConfigureAwait(false);
        Dispose();
        return reason;
    }

    private async Task<string> SendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _sent);
                    _telemetry.MessageSent();
                }
            }

            return "queue completed";
        }
        catch (OperationCanceledException)
        {
            return "closed by this node";
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            return $"send failed: {ex.Message}";
        }
    }

    /// <summary>Peers never write on a connection we opened; reading only notices when it closes.</summary>
    private async Task<string> ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return $"peer closed the connection ({result.CloseStatus})";
                }
            }
        }
        catch (OperationCanceledException)
        {
            return "closed by this node";
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            return $"connection lost: {ex.Message}";
        }
    }
}
