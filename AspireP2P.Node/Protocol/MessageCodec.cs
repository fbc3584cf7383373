using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Unicode;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Records;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Protocol;

/// <summary>Why an inbound message was refused. Values appear as the <c>reason</c> tag of the rejection counter.</summary>
public enum RejectReason
{
    MalformedJson,
    BinaryFrame,
    Oversize,
    UnknownType,
    InvalidHandshake,
    InvalidRecord,
    InvalidHeartbeat,
}

public abstract record InboundMessage(string? Traceparent, string? Tracestate, string? From);

public sealed record HandshakeMessage(PeerAddress Address, string? Traceparent, string? Tracestate, string? From)
    : InboundMessage(Traceparent, Tracestate, From);

public sealed record RecordMessage(StoredRecord Record, long? Position, bool IsCatchUp, string? Traceparent, string? Tracestate, string? From)
    : InboundMessage(Traceparent, Tracestate, From);

public sealed record HeartbeatMessage(RecordDigest? Digest, long Lag, IReadOnlyList<PeerAddress> Peers, string? From)
    : InboundMessage(null, null, From);

public readonly record struct DecodeResult(InboundMessage? Message, RejectReason Reason, string? Detail)
{
    public static DecodeResult Reject(RejectReason reason, string detail) => new(null, reason, detail);
}

/// <summary>
/// The only place protocol bytes are read and written. Decoding validates everything a peer could get wrong;
/// encoding writes the record's raw JSON value unchanged, once per broadcast, for every peer.
/// </summary>
public sealed class MessageCodec(IOptions<NodeOptions> options)
{
    private readonly int _maxRecordBytes = options.Value.MaxRecordBytes;

    /// <param name="receivedFrom">Who sent it (<see cref="Peers.PeerIdentity"/>), remembered so the record is never sent back there.</param>
    public DecodeResult Decode(ReadOnlySpan<byte> utf8Json, long receivedAtUnixMs, string? receivedFrom = null)
    {
        // Reading a string of invalid UTF-8 throws rather than failing to parse: check the bytes first (vectorized).
        if (!Utf8.IsValid(utf8Json))
        {
            return DecodeResult.Reject(RejectReason.MalformedJson, "the message is not valid UTF-8 text");
        }

        WireFields envelope;
        try
        {
            if (!WireFields.TryRead(utf8Json, this, out envelope))
            {
                return DecodeResult.Reject(RejectReason.MalformedJson, "the message is JSON null");
            }
        }
        catch (JsonException ex)
        {
            return DecodeResult.Reject(RejectReason.MalformedJson, $"not a JSON message object: {ex.Message}");
        }

        var trace = (envelope.Traceparent is { Length: <= 128 } ? envelope.Traceparent : null, envelope.Tracestate is { Length: <= 512 } ? envelope.Tracestate : null);
        var from = envelope.From is { Length: <= 64 } ? envelope.From : null;
        return envelope.Type switch
        {
            WireProtocol.Handshake => DecodeHandshake(envelope, trace, from),
            WireProtocol.NewRecord => DecodeRecord(envelope, utf8Json, trace, from, receivedAtUnixMs, receivedFrom),
            WireProtocol.Heartbeat => DecodeHeartbeat(envelope, from),
            null => DecodeResult.Reject(RejectReason.UnknownType, "the message has no string 'type'"),
            var other => DecodeResult.Reject(RejectReason.UnknownType, $"unknown message type '{Truncate(other, 40)}'"),
        };
    }

    private static DecodeResult DecodeHandshake(in WireFields envelope, (string?, string?) trace, string? from)
    {
        if (envelope.PayloadKind != JsonValueKind.String)
        {
            return DecodeResult.Reject(RejectReason.InvalidHandshake, "HANDSHAKE payload must be a \"host:port\" string");
        }

        var text = envelope.PayloadString;
        if (!PeerAddress.TryParse(text, out var address, out var error))
        {
            return DecodeResult.Reject(RejectReason.InvalidHandshake, $"HANDSHAKE address '{Truncate(text, 60)}' is invalid: {error}");
        }

        return new DecodeResult(new HandshakeMessage(address, trace.Item1, trace.Item2, from), default, null);
    }

    private DecodeResult DecodeRecord(in WireFields envelope, ReadOnlySpan<byte> utf8Json, (string?, string?) trace, string? from, long receivedAtUnixMs, string? receivedFrom)
    {
        if (envelope.PayloadKind != JsonValueKind.Object)
        {
            return DecodeResult.Reject(RejectReason.InvalidRecord, "NEW_RECORD payload must be an object {key, value}");
        }

        if (envelope.Key is not { Length: > 0 and <= WireProtocol.MaxKeyLength } key)
        {
            return DecodeResult.Reject(RejectReason.InvalidRecord, $"NEW_RECORD payload.key must be a non-empty string of at most {WireProtocol.MaxKeyLength} characters");
        }

        if (envelope.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return DecodeResult.Reject(RejectReason.InvalidRecord, "NEW_RECORD payload.value is missing or null");
        }

        var raw = utf8Json.Slice(envelope.ValueStart, envelope.ValueLength);
        if (raw.Length > _maxRecordBytes)
        {
            return DecodeResult.Reject(RejectReason.Oversize, $"record value is {raw.Length} bytes, the cap is {_maxRecordBytes}");
        }

        var createdAt = envelope.Ts is > 0 and var ts && ts <= receivedAtUnixMs + 60_000 ? envelope.Ts : null;
        var origin = envelope.Origin is { Length: <= 64 } ? envelope.Origin : null;
        var hops = Math.Clamp(envelope.Hops ?? 1, 1, 1_000_000);
        var traceId = trace.Item1 is { } tp && ActivityContext.TryParse(tp, null, out var ctx) ? ctx.TraceId : (ActivityTraceId?)null;
        var record = StoredRecord.WithTraceId(key, raw.ToArray(), origin, createdAt, hops, traceId, receivedFrom);
        var position = envelope.Pos is >= 0 ? envelope.Pos : null;
        return new DecodeResult(new RecordMessage(record, position, envelope.Sync == true, trace.Item1, trace.Item2, from), default, null);
    }

    private static DecodeResult DecodeHeartbeat(in WireFields envelope, string? from)
    {
        if (from is null)
        {
            return DecodeResult.Reject(RejectReason.InvalidHeartbeat, "HEARTBEAT must carry the sender's node id in 'from'");
        }

        var peers = new List<PeerAddress>();
        foreach (var text in envelope.Peers?.Take(WireProtocol.MaxExchangedPeers) ?? [])
        {
            if (PeerAddress.TryParse(text, out var address, out _))
            {
                peers.Add(address);
            }
        }

        var digest = RecordDigest.TryParse(envelope.Digest, out var parsed) ? parsed : (RecordDigest?)null;
        return new DecodeResult(new HeartbeatMessage(digest, Math.Max(0, envelope.Lag ?? 0), peers, from), default, null);
    }

    // Node ids repeat on every message from a peer: the last one seen is reused instead of allocating it again.
    private string? _lastOrigin;
    private string? _lastFrom;

    internal string ReadOrigin(ref Utf8JsonReader reader) => ReadRepeated(ref reader, ref _lastOrigin);

    internal string ReadFrom(ref Utf8JsonReader reader) => ReadRepeated(ref reader, ref _lastFrom);

    private static string ReadRepeated(ref Utf8JsonReader reader, ref string? last)
    {
        var cached = Volatile.Read(ref last);
        if (cached is not null && reader.ValueTextEquals(cached))
        {
            return cached;
        }

        var text = reader.GetString()!;
        Volatile.Write(ref last, text);
        return text;
    }

    /// <summary>HANDSHAKE, as the tutorial sends it, plus our extensions.</summary>
    public static byte[] EncodeHandshake(PeerAddress self, string selfNodeId, string? traceparent)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, WireProtocol.Handshake);
            writer.WriteString("payload"u8, self.ToString());
            writer.WriteNumber("v"u8, WireProtocol.Version);
            writer.WriteString("from"u8, selfNodeId);
            if (traceparent is not null)
            {
                writer.WriteString("traceparent"u8, traceparent);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_recordBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_recordWriter;

    /// <summary>NEW_RECORD for one broadcast: the same bytes go to every peer.</summary>
    public static byte[] EncodeRecord(StoredRecord record, int hops, string senderNodeId, string? traceparent, string? tracestate, long position, bool catchUp = false)
    {
        // One writer and buffer per thread, reused: the only allocation is the frame itself.
        var buffer = t_recordBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_recordWriter ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, WireProtocol.NewRecord);
            writer.WriteStartObject("payload"u8);
            writer.WriteString("key"u8, record.Key);
            writer.WritePropertyName("value"u8);
            writer.WriteRawValue(record.ValueJson, skipInputValidation: true);
            writer.WriteEndObject();
            writer.WriteNumber("v"u8, WireProtocol.Version);
            writer.WriteString("from"u8, senderNodeId);
            if (record.Origin is not null)
            {
                writer.WriteString("origin"u8, record.Origin);
            }

            if (record.CreatedAtUnixMs is { } ts)
            {
                writer.WriteNumber("ts"u8, ts);
            }

            writer.WriteNumber("hops"u8, hops);
            writer.WriteNumber("pos"u8, position);
            if (catchUp)
            {
                writer.WriteBoolean("sync"u8, true);
            }

            if (traceparent is not null)
            {
                writer.WriteString("traceparent"u8, traceparent);
            }

            if (tracestate is not null)
            {
                writer.WriteString("tracestate"u8, tracestate);
            }

            writer.WriteEndObject();
            writer.Flush();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>HEARTBEAT: liveness, the digest of what this node holds, this link's backlog and a few known peers.</summary>
    public static byte[] EncodeHeartbeat(string selfNodeId, RecordDigest digest, long lag, IEnumerable<PeerAddress> peers)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, WireProtocol.Heartbeat);
            writer.WriteNumber("v"u8, WireProtocol.Version);
            writer.WriteString("from"u8, selfNodeId);
            writer.WriteString("digest"u8, digest.ToString());
            writer.WriteNumber("lag"u8, lag);
            writer.WriteStartArray("peers"u8);
            foreach (var peer in peers.Take(WireProtocol.MaxExchangedPeers))
            {
                writer.WriteStringValue(peer.ToString());
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A short, single-line preview of untrusted text for logs and errors; never the whole input.</summary>
    public static string Truncate(string? text, int max)
    {
        if (text is null)
        {
            return string.Empty;
        }

        var line = text.ReplaceLineEndings(" ");
        return line.Length <= max ? line : string.Concat(line.AsSpan(0, max), "…");
    }
}
