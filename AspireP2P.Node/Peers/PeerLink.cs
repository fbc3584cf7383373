using System.Net.WebSockets;
using System.Threading.Channels;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Peers;

/// <summary>Why a peer is known: named on the command line, added through the API, dialed back after its HANDSHAKE, or learned by peer exchange.</summary>
public enum PeerOrigin
{
    Bootstrap,
    Api,
    ConnectBack,
    Exchange,
}

/// <summary>
/// One outbound WebSocket that this node dialed; as in the tutorial, a node writes only to the connections it
/// opened. Records are not queued per peer: the link keeps a cursor into the record log and sends whatever
/// lies between the cursor and the end. A slow peer only lags (it never blocks the others and loses nothing);
/// a reconnect resumes where the peer says it stopped receiving, which is the catch-up.
/// Control messages (HEARTBEAT) go through a small bounded queue that drops its oldest entry when full.
/// </summary>
public sealed class PeerLink : IDisposable
{
    private const int ChunkSize = 256;

    private readonly ClientWebSocket _socket;
    private readonly BatchingStream? _connection;
    private readonly RecordStore _store;
    private readonly string _selfNodeId;
    private readonly Channel<byte[]> _control;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly NodeTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();
    private readonly string? _skipIdentity;
    private readonly string _skipAddress;
    private int _cursor;
    private int _rewind;
    private int _sendEverythingBefore;
    private long _sent;
    private long _dropped;

    internal PeerLink(
        PeerAddress address, string? nodeId, string? logId, ClientWebSocket socket, RecordStore store, string selfNodeId, int startCursor,
        int controlCapacity, NodeTelemetry telemetry, ILogger logger, DateTimeOffset connectedAt, BatchingStream? connection = null)
    {
        _connection = connection;
        Address = address;
        NodeId = nodeId;
        ConnectedAt = connectedAt;
        StartCursor = startCursor;
        _cursor = startCursor;
        _socket = socket;
        _store = store;
        _selfNodeId = selfNodeId;
        _telemetry = telemetry;
        _logger = logger;
        _skipIdentity = logId ?? nodeId;
        _skipAddress = PeerIdentity.Of(null, address)!;
        _control = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(controlCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => OnDropped());
    }

    public PeerAddress Address { get; }

    /// <summary>The peer's node id from its upgrade response; null for a node that does not send one (the tutorial's).</summary>
    public string? NodeId { get; }

    /// <summary>Our nodes speak the extensions (HEARTBEAT); the tutorial's must only ever see HANDSHAKE and NEW_RECORD.</summary>
    public bool SpeaksExtensions => NodeId is not null;

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Where replication started: the peer already had everything before it.</summary>
    public int StartCursor { get; }

    /// <summary>Next log position to send.</summary>
    public int Cursor => Volatile.Read(ref _cursor);

    /// <summary>Log entries not yet sent on this link.</summary>
    public int Lag => Math.Max(0, _store.Length - Cursor);

    public long Sent => Interlocked.Read(ref _sent);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Completes when the link is gone, with the reason.</summary>
    public Task<string> Completion { get; private set; } = Task.FromResult("not started");

    internal void Start() => Completion = RunAsync();

    /// <summary>New records are in the log.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Queues a control message ahead of records; never blocks.</summary>
    public void SendControl(byte[] frame)
    {
        _control.Writer.TryWrite(frame);
        Wake();
    }

    /// <summary>
    /// Sends the whole log again, including what came from this very peer (anti-entropy's last resort when
    /// digests disagree at rest: something the peer should hold is missing there).
    /// </summary>
    public void Rewind()
    {
        Interlocked.Exchange(ref _rewind, 1);
        Wake();
    }

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
            Log.QueueDropped(_logger, Address.ToString(), dropped);
        }
    }

    private async Task<string> RunAsync()
    {
        var sending = SendLoopAsync(_closing.Token);
        var receiving = ReceiveLoopAsync(_closing.Token);
        var first = await Task.WhenAny(sending, receiving).ConfigureAwait(false);
        await _closing.CancelAsync().ConfigureAwait(false);
        var reason = await first.ConfigureAwait(false);
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
        var chunk = new StoredRecord?[ChunkSize];
        try
        {
            while (true)
            {
                await SendControlAsync(cancellationToken).ConfigureAwait(false);
                if (Interlocked.Exchange(ref _rewind, 0) == 1)
                {
                    _sendEverythingBefore = _store.Length;
                    Volatile.Write(ref _cursor, 0);
                }

                var cursor = Cursor;
                var copied = _store.CopyLog(cursor, chunk);
                if (copied == 0)
                {
                    await _wake.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                // The run of records goes out as one write (each record still its own WebSocket message).
                _connection?.BeginBatch();
                for (var i = 0; i < copied; i++)
                {
                    var record = chunk[i];
                    chunk[i] = null;
                    var position = cursor + i;
                    var cameFromPeer = record?.ReceivedFrom is { } source && (source == _skipIdentity || source == _skipAddress);
                    if (record is null || (cameFromPeer && position >= _sendEverythingBefore))
                    {
                        continue;
                    }

                    // Live records carry a frame encoded once for every link; a link that lags encodes its own.
                    var frame = record.Frame ?? MessageCodec.EncodeRecord(record, record.Hops + 1, _selfNodeId, null, null, position, catchUp: true);
                    await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _sent);
                    _telemetry.MessageSent();
                    if (_control.Reader.Count > 0)
                    {
                        await SendControlAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                if (_connection is not null)
                {
                    await _connection.EndBatchAsync(cancellationToken).ConfigureAwait(false);
                }

                Volatile.Write(ref _cursor, cursor + copied);
            }
        }
        catch (OperationCanceledException)
        {
            return "closed by this node";
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            return $"send failed: {ex.Message}";
        }
        finally
        {
            _connection?.AbandonBatch();
        }
    }

    private async Task SendControlAsync(CancellationToken cancellationToken)
    {
        while (_control.Reader.TryRead(out var frame))
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            _telemetry.MessageSent();
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
