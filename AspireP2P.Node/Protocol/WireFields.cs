using System.Text.Json;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;

namespace AspireP2P.Node.Protocol;

/// <summary>
/// The fields of one protocol message, read in a single pass over its UTF-8 bytes with <see cref="Utf8JsonReader"/>.
/// It follows System.Text.Json's rules for a typed object (case-sensitive names, unknown fields skipped, the last
/// of repeated fields wins, no comments or trailing commas, nothing after the object, a wrong JSON type for a
/// known field is malformed), but it copies nothing it does not need: the
/// record's value stays where it is in the frame (<see cref="ValueStart"/>, <see cref="ValueLength"/>) until the
/// record is built, and the payload is never cloned into a document.
/// </summary>
internal struct WireFields
{
    // The tutorial's fields.
    public string? Type;

    // Extensions (the tutorial's node ignores them; ours accept NEW_RECORDs without them, as unsigned records).
    /// <summary>NEW_RECORD: the feed the record belongs to (hex node id of its signer) and its place in it.</summary>
    public string? Origin;
    public long? Seq;

    /// <summary>NEW_RECORD: creation time at the origin, Unix milliseconds (signed; measured, never decisive).</summary>
    public long? Ts;

    /// <summary>NEW_RECORD: <see cref="Records.EntryTraits"/> (1 = adopted from a node that cannot sign).</summary>
    public int? Flags;

    /// <summary>NEW_RECORD: the origin's signature and public key, the path to the signed root, and the leaf's place in its batch.</summary>
    public byte[]? Sig;
    public byte[]? Pk;
    public byte[]? Proof;
    public int? LeafIndex;
    public int? LeafCount;

    /// <summary>NEW_RECORD: links the record has crossed, this one included.</summary>
    public int? Hops;

    /// <summary>NEW_RECORD: true for catch-up copies, stored and relayed but not traced one by one.</summary>
    public bool? Sync;

    /// <summary>W3C trace context of the sending span.</summary>
    public string? Traceparent;
    public string? Tracestate;

    /// <summary>HEARTBEAT and VECTOR: the sender's feed digest.</summary>
    public string? Digest;

    /// <summary>HEARTBEAT: records the sender holds, and how many it still has to send us.</summary>
    public long? Records;
    public long? Lag;

    /// <summary>HEARTBEAT: addresses of the sender's peers (peer exchange).</summary>
    public List<string?>? Peers;

    /// <summary>VECTOR: NEW_RECORDs the sender had received on this link; whether this is the vector's last part; its feeds.</summary>
    public long? Rx;
    public bool? Full;
    public bool? Last;
    public List<FeedSummary>? Feeds;

    /// <summary>JSON kind of <c>payload</c>; <see cref="JsonValueKind.Undefined"/> when absent.</summary>
    public JsonValueKind PayloadKind;

    /// <summary><c>payload</c> when it is a string (HANDSHAKE).</summary>
    public string? PayloadString;

    /// <summary><c>payload.key</c> when the payload is an object and the key a string.</summary>
    public string? Key;

    /// <summary>JSON kind of <c>payload.value</c>, and where its raw text lies in the message.</summary>
    public JsonValueKind ValueKind;
    public int ValueStart;
    public int ValueLength;

    /// <summary>Reads a message; false for the JSON <c>null</c>. Throws <see cref="JsonException"/> for anything that is not a message object.</summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, out WireFields fields)
    {
        fields = default;
        var reader = new Utf8JsonReader(utf8Json);
        if (!reader.Read())
        {
            throw new JsonException("the message is empty");
        }

        if (reader.TokenType == JsonTokenType.Null)
        {
            End(ref reader);
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"a message is a JSON object, not {reader.TokenType}");
        }

        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            // A property name; the reader moves to its value inside each case.
            if (reader.ValueTextEquals("type"u8)) { Next(ref reader); fields.Type = String(ref reader); }
            else if (reader.ValueTextEquals("payload"u8)) { Next(ref reader); ReadPayload(ref reader, ref fields); }
            else if (reader.ValueTextEquals("origin"u8)) { Next(ref reader); fields.Origin = String(ref reader); }
            else if (reader.ValueTextEquals("seq"u8)) { Next(ref reader); fields.Seq = Int64(ref reader); }
            else if (reader.ValueTextEquals("ts"u8)) { Next(ref reader); fields.Ts = Int64(ref reader); }
            else if (reader.ValueTextEquals("flags"u8)) { Next(ref reader); fields.Flags = Int32(ref reader); }
            else if (reader.ValueTextEquals("sig"u8)) { Next(ref reader); fields.Sig = Bytes(ref reader); }
            else if (reader.ValueTextEquals("pk"u8)) { Next(ref reader); fields.Pk = Bytes(ref reader); }
            else if (reader.ValueTextEquals("proof"u8)) { Next(ref reader); fields.Proof = Bytes(ref reader); }
            else if (reader.ValueTextEquals("leaf"u8)) { Next(ref reader); ReadLeaf(ref reader, ref fields); }
            else if (reader.ValueTextEquals("hops"u8)) { Next(ref reader); fields.Hops = Int32(ref reader); }
            else if (reader.ValueTextEquals("sync"u8)) { Next(ref reader); fields.Sync = Boolean(ref reader); }
            else if (reader.ValueTextEquals("traceparent"u8)) { Next(ref reader); fields.Traceparent = String(ref reader); }
            else if (reader.ValueTextEquals("tracestate"u8)) { Next(ref reader); fields.Tracestate = String(ref reader); }
            else if (reader.ValueTextEquals("digest"u8)) { Next(ref reader); fields.Digest = String(ref reader); }
            else if (reader.ValueTextEquals("records"u8)) { Next(ref reader); fields.Records = Int64(ref reader); }
            else if (reader.ValueTextEquals("lag"u8)) { Next(ref reader); fields.Lag = Int64(ref reader); }
            else if (reader.ValueTextEquals("peers"u8)) { Next(ref reader); fields.Peers = Strings(ref reader); }
            else if (reader.ValueTextEquals("rx"u8)) { Next(ref reader); fields.Rx = Int64(ref reader); }
            else if (reader.ValueTextEquals("last"u8)) { Next(ref reader); fields.Last = Boolean(ref reader); }
            else if (reader.ValueTextEquals("full"u8)) { Next(ref reader); fields.Full = Boolean(ref reader); }
            else if (reader.ValueTextEquals("feeds"u8)) { Next(ref reader); fields.Feeds = ReadFeeds(ref reader); }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        End(ref reader);
        return true;
    }

    private static void ReadPayload(ref Utf8JsonReader reader, ref WireFields fields)
    {
        // A repeated payload replaces the earlier one entirely.
        fields.PayloadString = null;
        fields.Key = null;
        fields.ValueKind = JsonValueKind.Undefined;
        fields.ValueStart = fields.ValueLength = 0;
        fields.PayloadKind = Kind(reader.TokenType);
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                fields.PayloadString = reader.GetString();
                return;
            case JsonTokenType.StartObject:
                break;
            default:
                reader.Skip();
                return;
        }

        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("key"u8))
            {
                Next(ref reader);
                fields.Key = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                Next(ref reader);
                fields.ValueKind = Kind(reader.TokenType);
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                fields.ValueStart = start;
                fields.ValueLength = (int)reader.BytesConsumed - start;
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
    }

    private static void ReadLeaf(ref Utf8JsonReader reader, ref WireFields fields)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Mismatch(ref reader, "[index, count]");
        }

        Next(ref reader);
        fields.LeafIndex = Int32(ref reader);
        Next(ref reader);
        fields.LeafCount = Int32(ref reader);
        if (Next(ref reader) != JsonTokenType.EndArray)
        {
            throw Mismatch(ref reader, "[index, count]");
        }
    }

    /// <summary>VECTOR feeds: <c>[["&lt;origin&gt;", high, "&lt;xor hex&gt;", [gap from, gap to, …]], …]</c>.</summary>
    private static List<FeedSummary>? ReadFeeds(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Mismatch(ref reader, "an array of feeds");
        }

        var feeds = new List<FeedSummary>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray || feeds.Count >= WireProtocol.MaxFeedsPerVector)
            {
                throw Mismatch(ref reader, $"at most {WireProtocol.MaxFeedsPerVector} feeds, each [origin, high, xor, gaps]");
            }

            Next(ref reader);
            if (reader.TokenType != JsonTokenType.String || !NodeId.TryParse(reader.ValueSpan, out var origin))
            {
                throw Mismatch(ref reader, "a node id");
            }

            Next(ref reader);
            var high = Int64(ref reader) ?? throw Mismatch(ref reader, "a seq");
            Next(ref reader);
            if (reader.TokenType != JsonTokenType.String
                || !ulong.TryParse(reader.GetString(), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var xor))
            {
                throw Mismatch(ref reader, "a hex content hash");
            }

            Next(ref reader);
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw Mismatch(ref reader, "an array of gap bounds");
            }

            var gaps = new List<long>();
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (gaps.Count >= 2 * WireProtocol.MaxGapsPerFeed)
                {
                    throw Mismatch(ref reader, $"at most {WireProtocol.MaxGapsPerFeed} gaps");
                }

                gaps.Add(Int64(ref reader) ?? throw Mismatch(ref reader, "a seq"));
            }

            if (Next(ref reader) != JsonTokenType.EndArray)
            {
                throw Mismatch(ref reader, "the end of a feed");
            }

            if (high < 0 || gaps.Count % 2 != 0 || !Ordered(gaps, high))
            {
                throw new JsonException($"feed {origin} has a malformed summary (high {high}, {gaps.Count} gap bounds)");
            }

            feeds.Add(new FeedSummary(origin, high, xor, [.. gaps]));
        }

        return feeds;
    }

    /// <summary>Gaps are sorted, disjoint, non-empty ranges inside [1, high].</summary>
    private static bool Ordered(List<long> gaps, long high)
    {
        var previous = 0L;
        for (var i = 0; i < gaps.Count; i += 2)
        {
            if (gaps[i] <= previous || gaps[i] > gaps[i + 1] || gaps[i + 1] >= high)
            {
                return false;
            }

            previous = gaps[i + 1] + 1;
        }

        return true;
    }

    private static byte[]? Bytes(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String when reader.TryGetBytesFromBase64(out var bytes) => bytes,
        JsonTokenType.Null => null,
        _ => throw Mismatch(ref reader, "base64 text"),
    };

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the message ends before its object does");

    private static void End(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException("the message has more after its JSON value");
        }
    }

    private static JsonValueKind Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => JsonValueKind.Object,
        JsonTokenType.StartArray => JsonValueKind.Array,
        JsonTokenType.String => JsonValueKind.String,
        JsonTokenType.Number => JsonValueKind.Number,
        JsonTokenType.True => JsonValueKind.True,
        JsonTokenType.False => JsonValueKind.False,
        JsonTokenType.Null => JsonValueKind.Null,
        _ => JsonValueKind.Undefined,
    };

    private static string? String(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw Mismatch(ref reader, "a string"),
    };

    private static int? Int32(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetInt32(out var value) => value,
        JsonTokenType.Null => null,
        _ => throw Mismatch(ref reader, "a 32-bit integer"),
    };

    private static long? Int64(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetInt64(out var value) => value,
        JsonTokenType.Null => null,
        _ => throw Mismatch(ref reader, "a 64-bit integer"),
    };

    private static bool? Boolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => null,
        _ => throw Mismatch(ref reader, "a boolean"),
    };

    private static List<string?>? Strings(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Mismatch(ref reader, "an array of strings");
        }

        var list = new List<string?>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            list.Add(String(ref reader));
        }

        return list;
    }

    private static JsonException Mismatch(ref Utf8JsonReader reader, string expected) =>
        new($"a field holds {reader.TokenType} where {expected} belongs (byte {reader.TokenStartIndex})");
}
