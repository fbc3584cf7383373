using System.Buffers;
using System.Net.WebSockets;
using AspireP2P.Node.Gossip;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Peers;

/// <summary>
/// Connections other nodes opened to this one: the side a node reads from. Each session reads whole
/// messages up to the frame cap, and hands valid ones to gossip; anything else is rejected, counted and
/// logged, and the session (and every other peer) carries on.
/// </summary>
public sealed class InboundSessions(
    GossipService gossip, MessageCodec codec, NodeTelemetry telemetry, TimeProvider time, IOptions<NodeOptions> options, ILogger<InboundSessions> logger)
{
    private readonly Lock _gate = new();
    private readonly HashSet<InboundSession> _sessions = [];
    private readonly Dictionary<string, long> _resumeByLog = new(StringComparer.Ordinal);
    private readonly int _maxFrameBytes = options.Value.MaxFrameBytes;

    /// <summary>
    /// Where the next link from a node's log (its log id) should start: one past the highest position it has sent us.
    /// Told to the node in the upgrade response, so a reconnect sends exactly what we missed.
    /// </summary>
    public long ResumePositionFor(string logId)
    {
        lock (_gate) { return _resumeByLog.TryGetValue(logId, out var next) ? next : 0; }
    }

    /// <summary>Sessions from our nodes that have been silent past the timeout (a hung or dead peer).</summary>
    public IReadOnlyList<InboundSession> Silent(DateTimeOffset now, TimeSpan timeout)
    {
        lock (_gate) { return _sessions.Where(s => s.SendsHeartbeats && now - s.LastSeen > timeout).ToList(); }
    }

    private void NoteReceived(InboundSession session, long? position)
    {
        if (position is not { } pos || session.LogId is not { } logId)
        {
            return;
        }

        lock (_gate)
        {
            if (!_resumeByLog.TryGetValue(logId, out var next) || pos + 1 > next)
            {
                // Bounded: one entry per log that ever sent us records; a dev network has few.
                if (_resumeByLog.Count >= 4096 && !_resumeByLog.ContainsKey(logId))
                {
                    _resumeByLog.Clear();
                }

                _resumeByLog[logId] = pos + 1;
            }
        }
    }

    public IReadOnlyList<InboundSession> Snapshot()
    {
        lock (_gate) { return [.. _sessions]; }
    }

    public int CloseAll()
    {
        var sessions = Snapshot();
        foreach (var session in sessions)
        {
            session.Close();
        }

        return sessions.Count;
    }

    public async Task RunAsync(WebSocket socket, string remote, string? remoteNodeId, string? remoteLogId, string? remoteAddress, CancellationToken cancellationToken)
    {
        var session = new InboundSession(remote, remoteNodeId, PeerAddress.TryParse(remoteAddress, out var address, out _) ? address : null, time.GetUtcNow(), cancellationToken)
        {
            LogId = remoteLogId,
        };
        lock (_gate) { _sessions.Add(session); }
        Log.InboundOpened(logger, remote, remoteNodeId);
        var reason = "closed";
        try
        {
            reason = await ReceiveLoopAsync(socket, session).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate) { _sessions.Remove(session); }
            Log.InboundClosed(logger, remote, reason);
            session.Dispose();
        }
    }

    private async Task<string> ReceiveLoopAsync(WebSocket socket, InboundSession session)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var length = 0;
            var discarding = false;
            var discardReason = RejectReason.Oversize;
            while (true)
            {
                if (length == buffer.Length && !discarding)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _maxFrameBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await socket.ReceiveAsync(discarding ? buffer.AsMemory() : buffer.AsMemory(length), session.Closing).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseQuietlyAsync(socket).ConfigureAwait(false);
                    return $"peer closed ({socket.CloseStatus})";
                }

                if (!discarding)
                {
                    length += result.Count;
                    if (result.MessageType == WebSocketMessageType.Binary)
                    {
                        (discarding, discardReason) = (true, RejectReason.BinaryFrame);
                    }
                    else if (length > _maxFrameBytes)
                    {
                        (discarding, discardReason) = (true, RejectReason.Oversize);
                    }
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (discarding)
                {
                    var detail = discardReason == RejectReason.BinaryFrame
                        ? "binary frames are not part of the protocol (messages are JSON text)"
                        : $"message exceeds the {_maxFrameBytes}-byte frame cap";
                    Reject(session, discardReason, detail);
                }
                else
                {
                    Dispatch(session, buffer.AsSpan(0, length));
                }

                length = 0;
                discarding = false;
            }
        }
        catch (OperationCanceledException)
        {
            await CloseQuietlyAsync(socket).ConfigureAwait(false);
            return "closed by this node";
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
        {
            return $"connection lost: {ex.Message}";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Dispatch(InboundSession session, ReadOnlySpan<byte> frame)
    {
        var now = time.GetUtcNow();
        session.LastSeen = now;
        var decoded = codec.Decode(frame, now.ToUnixTimeMilliseconds(), PeerIdentity.Of(session.LogId ?? session.NodeId, session.Address));
        switch (decoded.Message)
        {
            case RecordMessage record:
                session.CountReceived();
                gossip.OnRecord(record, session);
                NoteReceived(session, record.Position);
                break;
            case HandshakeMessage handshake:
                session.CountReceived();
                gossip.OnHandshake(handshake, session);
                break;
            case HeartbeatMessage heartbeat:
                session.SendsHeartbeats = true;
                gossip.OnHeartbeat(heartbeat, session);
                break;
            default:
                Reject(session, decoded.Reason, decoded.Detail ?? "invalid message");
                break;
        }
    }

    private void Reject(InboundSession session, RejectReason reason, string detail)
    {
        session.CountRejected();
        telemetry.Rejected(reason);
        Log.MessageRejected(logger, session.Remote, reason, detail);
    }

    private static async Task CloseQuietlyAsync(WebSocket socket)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Already gone.
        }
    }
}

/// <summary>One connection a peer opened to us. What we learn about the sender decides whom a record is not echoed back to.</summary>
public sealed class InboundSession : IDisposable
{
    private readonly CancellationTokenSource _closing;
    private long _received;
    private long _rejected;

    internal InboundSession(string remote, string? nodeId, PeerAddress? address, DateTimeOffset connectedAt, CancellationToken aborted)
    {
        Remote = remote;
        NodeId = nodeId;
        Address = address;
        ConnectedAt = connectedAt;
        LastSeen = connectedAt;
        _closing = CancellationTokenSource.CreateLinkedTokenSource(aborted);
    }

    /// <summary>The TCP endpoint the peer connected from.</summary>
    public string Remote { get; }

    /// <summary>The peer's node id (from its upgrade request); null for the tutorial's nodes.</summary>
    public string? NodeId { get; }

    /// <summary>The peer's record log (from its upgrade request): what records are remembered as coming from.</summary>
    public string? LogId { get; init; }

    /// <summary>The address the peer listens on, from its upgrade request or its HANDSHAKE.</summary>
    public PeerAddress? Address { get; set; }

    public DateTimeOffset ConnectedAt { get; }

    private long _lastSeenTicks;

    /// <summary>When the peer last sent anything.</summary>
    public DateTimeOffset LastSeen
    {
        get => new(Interlocked.Read(ref _lastSeenTicks), TimeSpan.Zero);
        internal set => Interlocked.Exchange(ref _lastSeenTicks, value.UtcTicks);
    }

    /// <summary>The peer sends HEARTBEATs, so its silence means it is dead or hung.</summary>
    public bool SendsHeartbeats { get; internal set; }

    /// <summary>Anti-entropy state: the peer's last digest, ours at that time, and how many idle beats they have disagreed.</summary>
    internal (Records.RecordDigest? Theirs, Records.RecordDigest Ours, int Streak) DigestCheck { get; set; }

    public long Received => Interlocked.Read(ref _received);

    public long Rejected => Interlocked.Read(ref _rejected);

    internal CancellationToken Closing => _closing.Token;

    public void Close() => _closing.Cancel();

    internal void CountReceived() => Interlocked.Increment(ref _received);

    internal void CountRejected() => Interlocked.Increment(ref _rejected);

    public void Dispose() => _closing.Dispose();
}
