using System.Text.Json;

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

    // Extensions (the tutorial's node ignores them; ours accept messages without them).
    /// <summary>Protocol version of the sender.</summary>
    public int? V;

    /// <summary>Id of the node that created the record.</summary>
    public string? Origin;

    /// <summary>Creation time at the origin, Unix milliseconds (propagation latency).</summary>
    public long? Ts;

    /// <summary>Links the record has crossed, this one included.</summary>
    public int? Hops;

    /// <summary>W3C trace context of the sending span.</summary>
    public string? Traceparent;
    public string? Tracestate;

    /// <summary>Id of the node that sent this copy (HANDSHAKE: the dialer).</summary>
    public string? From;

    /// <summary>NEW_RECORD: the record's position in the sender's log, so a reconnect resumes after it.</summary>
    public long? Pos;

    /// <summary>NEW_RECORD: true for catch-up copies, stored and relayed but not traced one by one.</summary>
    public bool? Sync;

    /// <summary>HEARTBEAT: the sender's set digest, <c>count:hash</c>.</summary>
    public string? Digest;

    /// <summary>HEARTBEAT: how many log entries the sender still has to send on this link.</summary>
    public long? Lag;

    /// <summary>HEARTBEAT: addresses of the sender's peers (peer exchange).</summary>
    public List<string?>? Peers;

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
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, MessageCodec names, out WireFields fields)
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
            else if (reader.ValueTextEquals("v"u8)) { Next(ref reader); fields.V = Int32(ref reader); }
            else if (reader.ValueTextEquals("from"u8)) { Next(ref reader); fields.From = reader.TokenType == JsonTokenType.String ? names.ReadFrom(ref reader) : String(ref reader); }
            else if (reader.ValueTextEquals("origin"u8)) { Next(ref reader); fields.Origin = reader.TokenType == JsonTokenType.String ? names.ReadOrigin(ref reader) : String(ref reader); }
            else if (reader.ValueTextEquals("ts"u8)) { Next(ref reader); fields.Ts = Int64(ref reader); }
            else if (reader.ValueTextEquals("hops"u8)) { Next(ref reader); fields.Hops = Int32(ref reader); }
            else if (reader.ValueTextEquals("pos"u8)) { Next(ref reader); fields.Pos = Int64(ref reader); }
            else if (reader.ValueTextEquals("sync"u8)) { Next(ref reader); fields.Sync = Boolean(ref reader); }
            else if (reader.ValueTextEquals("traceparent"u8)) { Next(ref reader); fields.Traceparent = String(ref reader); }
            else if (reader.ValueTextEquals("tracestate"u8)) { Next(ref reader); fields.Tracestate = String(ref reader); }
            else if (reader.ValueTextEquals("digest"u8)) { Next(ref reader); fields.Digest = String(ref reader); }
            else if (reader.ValueTextEquals("lag"u8)) { Next(ref reader); fields.Lag = Int64(ref reader); }
            else if (reader.ValueTextEquals("peers"u8)) { Next(ref reader); fields.Peers = Strings(ref reader); }
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
