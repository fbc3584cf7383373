using System.Diagnostics;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Peers;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Gossip;

public readonly record struct PublishResult(StoredRecord Record, string? TraceId);

/// <summary>
/// The path of a record: stored once, then relayed to every peer except the one it came from, the first
/// time this node sees it (multi-hop gossip). Each hop is a span: publish → send → receive → send → …,
/// joined into one trace by the traceparent that rides in the message.
/// </summary>
public sealed class GossipService(
    RecordStore store, PeerManager peers, NodeIdentity identity, NodeTelemetry telemetry, TimeProvider time, ILogger<GossipService> logger)
{
    private long _sequence;

    /// <summary>Creates a record here (POST /record) and sends it to every peer.</summary>
    public PublishResult Publish(byte[] valueJson)
    {
        var key = $"{identity.NodeId}-{Interlocked.Increment(ref _sequence)}";
        using var publish = NodeTelemetry.Source.StartActivity($"publish {NodeTelemetry.RecordsDestination}", ActivityKind.Producer);
        TagMessage(publish, "create", key);

        var traceId = (publish ?? Activity.Current)?.TraceId.ToHexString();
        var record = new StoredRecord(key, valueJson, identity.NodeId, time.GetUtcNow().ToUnixTimeMilliseconds(), hops: 0, traceId);
        store.TryAdd(record);
        telemetry.RecordPublished();
        Broadcast(record, except: null, publish?.Context ?? default, publish is null ? null : publish.Id, null);
        return new PublishResult(record, traceId);
    }

    /// <summary>A NEW_RECORD from a peer: store it if new, then relay it on.</summary>
    public void OnRecord(RecordMessage message, InboundSession from)
    {
        var receivedAt = time.GetUtcNow();
        telemetry.MessageReceived(WireProtocol.NewRecord);
        if (!store.TryAdd(message.Record))
        {
            telemetry.DuplicateSuppressed();
            return;
        }

        var record = message.Record;
        if (record.CreatedAtUnixMs is { } createdAt)
        {
            telemetry.PropagationLatency(Math.Max(0, receivedAt.ToUnixTimeMilliseconds() - createdAt));
        }

        ActivityContext.TryParse(message.Traceparent, message.Tracestate, out var parent);
        using var receive = NodeTelemetry.Source.StartActivity(
            ActivityKind.Consumer, parent, name: $"receive {NodeTelemetry.RecordsDestination}", startTime: receivedAt);
        TagMessage(receive, "process", record.Key);
        receive?.SetTag("network.peer.address", from.Address?.ToString() ?? from.Remote);
        receive?.SetTag("p2p.hops", record.Hops);
        receive?.SetTag("p2p.origin", record.Origin);

        var relayedTo = Broadcast(record, from, receive?.Context ?? parent, receive?.Id ?? message.Traceparent, message.Tracestate);
        if (relayedTo > 0)
        {
            telemetry.RecordRelayed();
        }

        Log.RecordReceived(logger, record.Key, from.Address?.ToString() ?? from.Remote, record.Hops, relayedTo);
    }

    /// <summary>A HANDSHAKE: the peer told us where it listens, so dial it back (unless we already have a link).</summary>
    public void OnHandshake(HandshakeMessage message, InboundSession from)
    {
        telemetry.MessageReceived(WireProtocol.Handshake);
        telemetry.Handshake("received");
        from.Address ??= message.Address;
        _ = ConnectBackAsync(message, from);
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

    /// <summary>Serializes the record once and queues the same bytes for every peer but the sender.</summary>
    private int Broadcast(StoredRecord record, InboundSession? except, ActivityContext parent, string? traceparent, string? tracestate)
    {
        var targets = peers.ConnectedLinks(except?.NodeId, except?.Address?.Key);
        if (targets.Length == 0)
        {
            return 0;
        }

        using var send = NodeTelemetry.Source.StartActivity(ActivityKind.Producer, parent, name: $"send {NodeTelemetry.RecordsDestination}");
        TagMessage(send, "send", record.Key);
        send?.SetTag("p2p.fanout", targets.Length);
        var frame = MessageCodec.EncodeRecord(record, record.Hops + 1, identity.NodeId, send?.Id ?? traceparent, send?.TraceStateString ?? tracestate);
        foreach (var link in targets)
        {
            link.Enqueue(frame);
        }

        return targets.Length;
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
