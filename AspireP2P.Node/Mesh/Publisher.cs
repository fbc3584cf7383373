using System.Diagnostics;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Mesh;

public readonly record struct PublishResult(Entry Entry, string? TraceId, long Position);

/// <summary>
/// Creates this node's own entries: records posted here (POST /record), and records adopted from tutorial nodes, which
/// cannot sign (the node witnesses them in its feed, flagged as of unknown author). Each entry gets the next seq of the
/// node's feed and the node's signature over its exact bytes, is stored (which relays it), and a POST is answered once
/// the entry is durable. Thread-safe.
/// </summary>
public sealed class Publisher(NodeContext node)
{
    private readonly ILogger _logger = node.Logs.CreateLogger<Publisher>();

    /// <summary>Publishes a record; throws <see cref="Records.Storage.RecordLogFailedException"/> when it cannot be made durable.</summary>
    public async Task<PublishResult> PublishAsync(byte[] valueJson, CancellationToken cancellationToken)
    {
        using var publish = RecordTracing.StartPublish("pending");
        var traceId = (publish ?? Activity.Current)?.TraceId;
        var (entry, position) = Append(key: null, valueJson, EntryTraits.None, hops: 0, traceId, publish?.Context ?? Activity.Current?.Context ?? default, null);
        publish?.SetTag("messaging.message.id", entry.Key);
        node.Telemetry.RecordPublished();
        await node.Store.WaitDurableAsync(position, cancellationToken);
        return new PublishResult(entry, traceId?.ToHexString(), position);
    }

    /// <summary>Witnesses a tutorial node's record in this node's feed; false when the record log has failed.</summary>
    public bool Adopt(string key, byte[] valueJson, string? traceparent, string? tracestate, Link from)
    {
        ActivityContext.TryParse(traceparent, tracestate, out var parent);
        using var receive = RecordTracing.StartReceive(parent, key, from.PeerAddress?.ToString() ?? from.Remote, 1, "unsigned", node.Time.GetUtcNow());
        try
        {
            // It crossed one link already, from the tutorial node that sent it.
            var (entry, _) = Append(key, valueJson, EntryTraits.Adopted, hops: 1, receive?.TraceId ?? RecordTracing.TraceIdOf(traceparent), receive?.Context ?? parent, tracestate);
            Log.RecordAdopted(_logger, entry.Key, from.PeerAddress?.ToString() ?? from.Remote, entry.Seq);
            return true;
        }
        catch (Records.Storage.RecordLogFailedException)
        {
            return false;
        }
    }

    private (Entry Entry, long Position) Append(string? key, byte[] valueJson, EntryTraits flags, int hops, ActivityTraceId? traceId, ActivityContext parent, string? tracestate)
    {
        if (node.Store.Failure is { } failure)
        {
            throw failure;
        }

        var seq = node.Feed.Next();
        var origin = node.Local.Id;
        var draft = new Entry
        {
            Origin = origin,
            Seq = seq,
            CreatedAtMs = node.Time.GetUtcNow().ToUnixTimeMilliseconds(),
            Flags = flags,
            Key = key ?? Entry.KeyFor(origin, seq),
            Value = valueJson,
            Signature = [],
            TraceId = traceId,
            Hops = hops,
        };
        var entry = Sign(draft);
        var fanout = node.Links.RecordCarriers;
        using var send = fanout == 0 ? null : RecordTracing.StartSend(parent, entry.Key, fanout);
        var traceparent = send?.Id ?? (parent != default ? Traceparent(parent) : null);
        var publicKey = node.Local.Keys.PublicKey;
        var result = node.Store.Append(entry, publicKey, receivedFrom: 0, e => MessageCodec.EncodeRecord(e, publicKey, e.Hops + 1, traceparent, tracestate, sync: false));
        if (!result.Stored)
        {
            throw node.Store.Failure ?? new Records.Storage.RecordLogFailedException($"entry {seq} of this node's feed was not stored ({result.Outcome})");
        }

        return (entry, result.Position);
    }

    /// <summary>Signs one entry alone: its leaf is the root its signature covers.</summary>
    private Entry Sign(Entry draft)
    {
        Span<byte> leaf = stackalloc byte[EntrySignature.HashLength];
        EntrySignature.LeafHash(draft.Origin, draft.Seq, draft.CreatedAtMs, draft.Flags, draft.Key, draft.Value, leaf);
        Span<byte> message = stackalloc byte[EntrySignature.SignedMessageLength];
        EntrySignature.SignedMessage(draft.Origin, leaf, message);
        return new Entry
        {
            Origin = draft.Origin,
            Seq = draft.Seq,
            CreatedAtMs = draft.CreatedAtMs,
            Flags = draft.Flags,
            Key = draft.Key,
            Value = draft.Value,
            Signature = node.Local.Keys.Sign(message),
            TraceId = draft.TraceId,
            Hops = draft.Hops,
        };
    }

    private static string Traceparent(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";
}
