using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;

namespace AspireP2P.Node.Protocol;

/// <summary>
/// The only place protocol bytes are read and written. Decoding validates everything a peer could get wrong (but not
/// signatures: see <see cref="Trust.EntryVerifier"/>); encoding writes a record's raw JSON value unchanged.
/// </summary>
public sealed class MessageCodec(int maxRecordBytes)
{
    /// <summary>
    /// A message, or a rejection with its reason; never an exception. The codec is where a peer's bytes end: whatever a
    /// reader throws on them (a JSON error, a string of lone surrogates that valid JSON may escape, a number out of range,
    /// anything a library adds later) is a rejection here, so no loop above it ever meets a peer's malformed frame.
    /// </summary>
    public DecodeResult Decode(ReadOnlySpan<byte> utf8Json)
    {
        // Reading a string of invalid UTF-8 throws rather than failing to parse: check the bytes first (vectorized).
        if (!Utf8.IsValid(utf8Json))
        {
            return DecodeResult.Reject(RejectReason.MalformedJson, "the message is not valid UTF-8 text");
        }

        WireFields envelope;
        try
        {
            if (!WireFields.TryRead(utf8Json, out envelope))
            {
                return DecodeResult.Reject(RejectReason.MalformedJson, "the message is JSON null");
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return DecodeResult.Reject(RejectReason.MalformedJson, $"not a valid message object: {ex.Message}");
        }
        catch (Exception ex)
        {
            return DecodeResult.Reject(RejectReason.MalformedJson, $"not a valid message object ({ex.GetType().Name}: {Truncate(ex.Message, 120)})");
        }

        try
        {
            return envelope.Type switch
            {
                WireProtocol.NewRecord => DecodeRecord(envelope, utf8Json),
                WireProtocol.Handshake => DecodeHandshake(envelope),
                WireProtocol.Heartbeat => DecodeHeartbeat(envelope),
                WireProtocol.Vector => DecodeVector(envelope),
                WireProtocol.Hello => DecodeHello(envelope),
                null => DecodeResult.Reject(RejectReason.UnknownType, "the message has no string 'type'"),
                var other => DecodeResult.Reject(RejectReason.UnknownType, $"unknown message type '{Truncate(other, 40)}'"),
            };
        }
        catch (Exception ex)
        {
            // A field that read fine and then could not be used (an address or id parser that throws on what it was given).
            return DecodeResult.Reject(RejectReason.MalformedJson, $"a field of the message is unusable ({ex.GetType().Name}: {Truncate(ex.Message, 120)})");
        }
    }

    /// <summary>
    /// Reads just enough of a message to tell a NEW_RECORD's feed entry (origin, seq) and whether it is a catch-up copy,
    /// without copying anything: most records a node receives are duplicates (every peer relays each one), and those need
    /// no more than this. False for anything else, or anything malformed (the full decode then says why).
    /// </summary>
    public static bool TryPeekFeedEntry(ReadOnlySpan<byte> utf8Json, out NodeId origin, out long seq, out bool sync)
    {
        origin = default;
        seq = 0;
        sync = false;
        var isRecord = false;
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    isRecord = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("NEW_RECORD"u8);
                    if (!isRecord)
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("origin"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || !NodeId.TryParse(reader.ValueSpan, out origin))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out seq))
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("sync"u8))
                {
                    reader.Read();
                    sync = reader.TokenType == JsonTokenType.True;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return isRecord && !origin.IsNone && seq > 0;
        }
        catch (Exception)
        {
            // Whatever the reader throws on a peer's bytes: not a quick "yes"; the full decode then says why.
            return false;
        }
    }

    private static DecodeResult DecodeHandshake(in WireFields envelope)
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

        return new DecodeResult(new HandshakeMessage(address, Trace(envelope.Traceparent, 128), Trace(envelope.Tracestate, 512)), default, null);
    }

    private DecodeResult DecodeRecord(in WireFields envelope, ReadOnlySpan<byte> utf8Json)
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
        if (raw.Length > maxRecordBytes)
        {
            return DecodeResult.Reject(RejectReason.Oversize, $"record value is {raw.Length} bytes, the cap is {maxRecordBytes}");
        }

        FeedFields? signed = null;
        if (envelope.Origin is not null || envelope.Sig is not null || envelope.Seq is not null)
        {
            if (!NodeId.TryParse(envelope.Origin, out var origin) || envelope.Seq is not > 0 || envelope.Ts is null
                || envelope.Sig is null || envelope.Pk is null)
            {
                return DecodeResult.Reject(RejectReason.InvalidRecord,
                    "a signed NEW_RECORD needs origin (32 hex digits), seq (> 0), ts, sig and pk");
            }

            var flags = (EntryTraits)(envelope.Flags ?? 0);
            if ((flags & ~EntryTraits.Adopted) != 0)
            {
                return DecodeResult.Reject(RejectReason.InvalidRecord, $"unknown record flags {envelope.Flags}");
            }

            signed = new FeedFields(
                origin, envelope.Seq.Value, envelope.Ts.Value, flags, envelope.Sig, envelope.Pk, envelope.Proof ?? [],
                envelope.LeafIndex ?? 0, envelope.LeafCount ?? 1);
        }

        var hops = Math.Clamp(envelope.Hops ?? 1, 1, 1_000_000);
        return new DecodeResult(
            new RecordMessage(key, raw.ToArray(), signed, hops, envelope.Sync == true, Trace(envelope.Traceparent, 128), Trace(envelope.Tracestate, 512)),
            default, null);
    }

    private static DecodeResult DecodeHeartbeat(in WireFields envelope)
    {
        if (!FeedDigest.TryParse(envelope.Digest, out var digest))
        {
            return DecodeResult.Reject(RejectReason.InvalidHeartbeat, "HEARTBEAT must carry the sender's digest (32 hex digits)");
        }

        var peers = new List<PeerAddress>();
        foreach (var text in envelope.Peers?.Take(WireProtocol.MaxExchangedPeers) ?? [])
        {
            if (PeerAddress.TryParse(text, out var address, out _))
            {
                peers.Add(address);
            }
        }

        return new DecodeResult(
            new HeartbeatMessage(digest, Math.Max(0, envelope.Records ?? 0), Math.Max(0, envelope.Lag ?? 0), Math.Max(0, envelope.Rx ?? 0), peers), default, null);
    }

    private static DecodeResult DecodeVector(in WireFields envelope)
    {
        if (!FeedDigest.TryParse(envelope.Digest, out var digest) || envelope.Rx is not >= 0 || envelope.Feeds is null)
        {
            return DecodeResult.Reject(RejectReason.InvalidVector, "VECTOR must carry rx, digest and feeds");
        }

        return new DecodeResult(new VectorMessage(envelope.Rx.Value, digest, envelope.Full != false, envelope.Last != false, envelope.Feeds), default, null);
    }

    private static DecodeResult DecodeHello(in WireFields envelope)
    {
        if (envelope.Sig is not { Length: > 0 } signature)
        {
            return DecodeResult.Reject(RejectReason.InvalidHello, "HELLO must carry the dialer's signature");
        }

        return new DecodeResult(new HelloMessage(envelope.Proof, signature), default, null);
    }

    private static string? Trace(string? value, int max) => value is { Length: > 0 } && value.Length <= max ? value : null;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>One writer and buffer per thread, reused: the only allocation of an encode is the frame itself.</summary>
    private static byte[] Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        write(writer, state);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>HANDSHAKE, as the tutorial sends it.</summary>
    public static byte[] EncodeHandshake(PeerAddress self, string? traceparent) => Write((self, traceparent), static (writer, state) =>
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, WireProtocol.Handshake);
        writer.WriteString("payload"u8, state.self.ToString());
        if (state.traceparent is not null)
        {
            writer.WriteString("traceparent"u8, state.traceparent);
        }

        writer.WriteEndObject();
    });

    /// <summary>
    /// NEW_RECORD: the tutorial's message (type, payload {key, value}) with the signed entry's fields beside it, which
    /// the tutorial's nodes ignore. The same bytes go to every peer of one broadcast.
    /// </summary>
    public static byte[] EncodeRecord(Entry entry, byte[] publicKey, int hops, string? traceparent, string? tracestate, bool sync) =>
        Write((entry, publicKey, hops, traceparent, tracestate, sync), static (writer, state) =>
        {
            var entry = state.entry;
            writer.WriteStartObject();
            writer.WriteString("type"u8, WireProtocol.NewRecord);
            writer.WriteStartObject("payload"u8);
            writer.WriteString("key"u8, entry.Key);
            writer.WritePropertyName("value"u8);
            writer.WriteRawValue(entry.Value, skipInputValidation: true);
            writer.WriteEndObject();
            writer.WriteString("origin"u8, entry.Origin.ToString());
            writer.WriteNumber("seq"u8, entry.Seq);
            writer.WriteNumber("ts"u8, entry.CreatedAtMs);
            if (entry.Flags != EntryTraits.None)
            {
                writer.WriteNumber("flags"u8, (int)entry.Flags);
            }

            writer.WriteBase64String("sig"u8, entry.Signature);
            writer.WriteBase64String("pk"u8, state.publicKey);
            if (entry.LeafCount > 1)
            {
                writer.WriteBase64String("proof"u8, entry.Proof);
                writer.WriteStartArray("leaf"u8);
                writer.WriteNumberValue(entry.LeafIndex);
                writer.WriteNumberValue(entry.LeafCount);
                writer.WriteEndArray();
            }

            writer.WriteNumber("hops"u8, state.hops);
            if (state.sync)
            {
                writer.WriteBoolean("sync"u8, true);
            }

            if (state.traceparent is not null)
            {
                writer.WriteString("traceparent"u8, state.traceparent);
            }

            if (state.tracestate is not null)
            {
                writer.WriteString("tracestate"u8, state.tracestate);
            }

            writer.WriteEndObject();
        });

    public static byte[] EncodeHello(byte[]? proof, byte[] signature) => Write((proof, signature), static (writer, state) =>
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, WireProtocol.Hello);
        if (state.proof is not null)
        {
            writer.WriteBase64String("proof"u8, state.proof);
        }

        writer.WriteBase64String("sig"u8, state.signature);
        writer.WriteEndObject();
    });

    public static byte[] EncodeHeartbeat(FeedDigest digest, long records, long lag, long received, IEnumerable<PeerAddress> peers) =>
        Write((digest, records, lag, received, peers), static (writer, state) =>
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, WireProtocol.Heartbeat);
            writer.WriteString("digest"u8, state.digest.ToString());
            writer.WriteNumber("records"u8, state.records);
            writer.WriteNumber("lag"u8, state.lag);
            writer.WriteNumber("rx"u8, state.received);
            writer.WriteStartArray("peers"u8);
            foreach (var peer in state.peers.Take(WireProtocol.MaxExchangedPeers))
            {
                writer.WriteStringValue(peer.ToString());
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });

    /// <summary>
    /// One part of a VECTOR. A feed with more gaps than a message may carry is summarized conservatively: only its
    /// first gaps, and a high mark just below the first gap left out, so the receiver may send a little it already has,
    /// never less than is missing.
    /// </summary>
    public static byte[] EncodeVector(long received, FeedDigest digest, bool full, bool last, IReadOnlyList<FeedSummary> feeds) =>
        Write((received, digest, full, last, feeds), static (writer, state) =>
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, WireProtocol.Vector);
            writer.WriteNumber("rx"u8, state.received);
            writer.WriteString("digest"u8, state.digest.ToString());
            writer.WriteBoolean("full"u8, state.full);
            writer.WriteBoolean("last"u8, state.last);
            writer.WriteStartArray("feeds"u8);
            foreach (var feed in state.feeds)
            {
                var gaps = feed.Gaps.AsSpan();
                var high = feed.High;
                var xor = feed.ContentXor;
                if (gaps.Length > 2 * WireProtocol.MaxGapsPerFeed)
                {
                    high = gaps[2 * WireProtocol.MaxGapsPerFeed] - 1;
                    gaps = gaps[..(2 * WireProtocol.MaxGapsPerFeed)];
                    xor = 0; // unknown for the part summarized
                }

                writer.WriteStartArray();
                writer.WriteStringValue(feed.Origin.ToString());
                writer.WriteNumberValue(high);
                writer.WriteStringValue(xor.ToString("x16", CultureInfo.InvariantCulture));
                writer.WriteStartArray();
                foreach (var bound in gaps)
                {
                    writer.WriteNumberValue(bound);
                }

                writer.WriteEndArray();
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });

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
