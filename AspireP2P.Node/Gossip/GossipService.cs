using System.Diagnostics;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Peers;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Gossip;

public readonly record struct PublishResult(StoredRecord Record, string? TraceId);

/// <summary>
/// The path of a record: stored once, then relayed to every peer except the one it came from, the first time
/// this node sees it (multi-hop gossip). Relaying is appending to the log: each link's cursor picks the record
/// up. A live record's NEW_RECORD is encoded once, with the traceparent of its "send" span, and shared by every
/// link; each hop is a span (publish → send → receive → send → …) joined into one trace.
/// Also handles HANDSHAKE (dial back) and HEARTBEAT (peer exchange, anti-entropy).
/// </summary>
public sealed class GossipService(
    RecordStore store, PeerManager peers, NodeIdentity identity, NodeTelemetry telemetry, RecordLog recordLog,
    TimeProvider time, IOptions<NodeOptions> options, ILogger<GossipService> logger)
{
    /// <summary>Idle heartbeats with disagreeing digests before the log is re-sent to that peer.</summary>
    private const int RewindAfterIdleMismatches = 3;

    private readonly Queue<(StoredRecord Record, int Position)> _framed = new();
    private readonly Lock _framedGate = new();
    private readonly int _frameCacheRecords = options.Value.FrameCacheRecords;

    /// <summary>Bytes of shared frames kept for links that lag (a stalled peer must not pin big values in memory).</summary>
    private const long FrameCacheBytes = 16 * 1024 * 1024;

    private long _framedBytes;

    /// <summary>Creates a record here (POST /record), sends it to every peer, and returns once it is durable (with --data-dir).</summary>
    public async Task<PublishResult> PublishAsync(byte[] valueJson, CancellationToken cancellationToken)
    {
        var key = identity.RecordKeyPrefix + identity.NextSequence().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var publish = NodeTelemetry.Source.StartActivity($"publish {NodeTelemetry.RecordsDestination}", ActivityKind.Producer);
        TagMessage(publish, "create", key);

        var traceId = (publish ?? Activity.Current)?.TraceId.ToHexString();
        var record = new StoredRecord(key, valueJson, identity.NodeId, time.GetUtcNow().ToUnixTimeMilliseconds(), hops: 0, traceId);
        var position = Append(record, except: null, publish?.Context ?? default, null, null);
        telemetry.RecordPublished();
        await recordLog.WaitDurableAsync(position, cancellationToken).ConfigureAwait(false);
        return new PublishResult(record, traceId);
    }

    /// <summary>A NEW_RECORD from a peer: store it if new (or if it wins a key conflict), which relays it on.</summary>
    public void OnRecord(RecordMessage message, InboundSession from)
    {
        var receivedAt = time.GetUtcNow();
        telemetry.MessageReceived(WireProtocol.NewRecord);
        var record = message.Record;
        if (store.Get(record.Key) is { } held && held.ContentHash == record.ContentHash)
        {
            telemetry.DuplicateSuppressed();
            return;
        }

        if (record.CreatedAtUnixMs is { } createdAt && !message.IsCatchUp)
        {
            telemetry.PropagationLatency(Math.Max(0, receivedAt.ToUnixTimeMilliseconds() - createdAt));
        }

        // Catch-up copies arrive by the thousand: they are stored and relayed, but not traced one span each.
        ActivityContext.TryParse(message.Traceparent, message.Tracestate, out var parent);
        using var receive = message.IsCatchUp ? null : NodeTelemetry.Source.StartActivity(
            ActivityKind.Consumer, parent, name: $"receive {NodeTelemetry.RecordsDestination}", startTime: receivedAt);
        TagMessage(receive, "process", record.Key);
        receive?.SetTag("network.peer.address", from.Address?.ToString() ?? from.Remote);
        receive?.SetTag("p2p.hops", record.Hops);
        receive?.SetTag("p2p.origin", record.Origin);

        var position = Append(record, from, receive?.Context ?? parent, receive?.Id ?? message.Traceparent, message.Tracestate, message.IsCatchUp);
        if (position >= 0)
        {
            Log.RecordReceived(logger, record.Key, from.Address?.ToString() ?? from.Remote, record.Hops, peers.ConnectedCount);
        }
    }

    /// <summary>A HANDSHAKE: the peer told us where it listens, so dial it back (unless we already have a link).</summary>
    public void OnHandshake(HandshakeMessage message, InboundSession from)
    {
        telemetry.MessageReceived(WireProtocol.Handshake);
        telemetry.Handshake("received");
        from.Address ??= message.Address;
        _ = ConnectBackAsync(message, from);
    }

    /// <summary>
    /// A HEARTBEAT: learn the sender's peers (peer exchange) and compare digests. Replication by cursor loses
    /// nothing, so digests that still disagree while both sides are idle mean something else went wrong;
    /// the last resort is to send the sender our whole log again (it keeps what it lacks, ignores the rest).
    /// </summary>
    public void OnHeartbeat(HeartbeatMessage message, InboundSession from)
    {
        telemetry.MessageReceived(WireProtocol.Heartbeat);
        peers.AddCandidates(message.Peers);
        var ours = store.Digest;
        var (previousTheirs, previousOurs, streak) = from.DigestCheck;
        var idle = message.Digest == previousTheirs && ours == previousOurs;
        var link = from.NodeId is { } nodeId ? peers.LinkTo(nodeId) : null;
        var disagree = message.Digest is { } theirs && theirs != ours && message.Lag == 0 && link is { Lag: 0 };
        streak = disagree && idle ? streak + 1 : 0;
        if (streak >= RewindAfterIdleMismatches && link is not null)
        {
            Log.AntiEntropyRewind(logger, link.Address.ToString(), message.Digest.ToString()!, ours.ToString());
            telemetry.AntiEntropyRewind();
            link.Rewind();
            streak = 0;
        }

        from.DigestCheck = (message.Digest, ours, streak);
    }

    private async Task ConnectBackAsync(HandshakeMessage message, InboundSession from)
    {
        ActivityContext.TryParse(message.Traceparent, message.Tracestate, out var parent);
        using var receive = NodeTelemetry.Source.StartActivity(ActivityKind.Consumer, parent, name: $"receive {NodeTelemetry.HandshakeDestination}");
        receive?.SetTag("messaging.system", NodeTelemetry.MessagingSystem);
        receive?.SetTag("messaging.operation.type", "process");
        receive?.SetTag("messaging.destination.name", NodeTelemetry.HandshakeDestination);
        receive?.SetTag("network.peer.address", message.Address.ToString());
        try
        {
            var outcome = await peers.ConnectAsync(message.Address, PeerOrigin.ConnectBack, message.From ?? from.NodeId, receive?.Context ?? parent, from.Closing).ConfigureAwait(false);
            receive?.SetTag("p2p.connect.outcome", outcome.Status.ToString());
            if (outcome.Status == ConnectStatus.Failed)
            {
                receive?.SetStatus(ActivityStatusCode.Error, outcome.Error);
            }
        }
        catch (OperationCanceledException)
        {
            // The peer left before we could dial it back.
        }
    }

    /// <summary>
    /// Appends the record to the log and wakes the links. For a live record the NEW_RECORD is encoded once,
    /// inside the store's lock so that no link can read the record before its frame exists.
    /// Returns the log position, or -1 when the record was not stored (duplicate or losing conflict).
    /// </summary>
    private int Append(StoredRecord record, InboundSession? except, ActivityContext parent, string? traceparent, string? tracestate, bool catchUp = false)
    {
        var targets = peers.CountLinks(except?.NodeId, except?.Address?.Key);
        using var send = targets == 0 || catchUp
            ? null
            : NodeTelemetry.Source.StartActivity(ActivityKind.Producer, parent, name: $"send {NodeTelemetry.RecordsDestination}");
        TagMessage(send, "send", record.Key);
        send?.SetTag("p2p.fanout", targets);

        // No link to send it on: no frame (a link that opens later sends it as a catch-up copy).
        var outcome = store.TryAdd(record, out var position, catchUp || targets == 0 ? null : (r, p) =>
            MessageCodec.EncodeRecord(r, r.Hops + 1, identity.NodeId, send?.Id ?? traceparent, send?.TraceStateString ?? tracestate, p));
        switch (outcome)
        {
            case AddOutcome.Duplicate:
                telemetry.DuplicateSuppressed();
                send?.SetTag("p2p.duplicate", true);
                return -1;
            case AddOutcome.ConflictLost:
                telemetry.ConflictResolved();
                send?.SetTag("p2p.conflict", "lost");
                return -1;
            case AddOutcome.Replaced:
                telemetry.ConflictResolved();
                break;
        }

        if (record.ReceivedFrom is not null && targets > 0)
        {
            telemetry.RecordRelayed();
        }

        TrackFrame(record, position);
        peers.WakeAll();
        return position;
    }

    /// <summary>Frees shared frames once every link has sent them, and always beyond the cache size (laggards re-encode).</summary>
    private void TrackFrame(StoredRecord record, int position)
    {
        if (record.Frame is null)
        {
            return;
        }

        lock (_framedGate)
        {
            _framed.Enqueue((record, position));
            _framedBytes += record.Frame.Length;
            if (_framed.Count < 64 && _framedBytes <= FrameCacheBytes)
            {
                // Checked every 64 records: the cursors' minimum costs a walk over the links.
                return;
            }

            var sentEverywhere = peers.MinCursor();
            while (_framed.TryPeek(out var oldest)
                && (_framed.Count > _frameCacheRecords || _framedBytes > FrameCacheBytes || oldest.Position < sentEverywhere))
            {
                var evicted = _framed.Dequeue().Record;
                _framedBytes -= evicted.Frame?.Length ?? 0;
                evicted.Frame = null;
            }
        }
    }

    private static void TagMessage(Activity? activity, string operation, string key)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("messaging.system", NodeTelemetry.MessagingSystem);
        activity.SetTag("messaging.operation.type", operation);
        activity.SetTag("messaging.destination.name", NodeTelemetry.RecordsDestination);
        activity.SetTag("messaging.message.id", key);
    }
}
