using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireP2P.Node.Protocol;

/// <summary>
/// The wire protocol. The tutorial's nodes send and understand only <c>type</c> and <c>payload</c>;
/// every other field is an extension they ignore, and ours must accept messages that lack them.
/// Append only: field names and type strings are on the wire.
/// </summary>
public static class WireProtocol
{
    public const string Handshake = "HANDSHAKE";
    public const string NewRecord = "NEW_RECORD";

    /// <summary>Version of the extension fields; 1 = id/origin/ts/hops/traceparent.</summary>
    public const int Version = 1;

    /// <summary>Longest record key accepted from the wire.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>HTTP headers our nodes add to the WebSocket upgrade so each side learns the other's identity.</summary>
    public const string NodeIdHeader = "X-P2P-Node-Id";
    public const string AddressHeader = "X-P2P-Address";
}

/// <summary>What any message may carry. Unknown fields are ignored, as the tutorial's node ignores ours.</summary>
internal sealed class WireEnvelope
{
    public string? Type { get; set; }
    public JsonElement Payload { get; set; }

    /// <summary>Extension: protocol version of the sender.</summary>
    public int? V { get; set; }

    /// <summary>Extension: id of the node that created the record.</summary>
    public string? Origin { get; set; }

    /// <summary>Extension: creation time at the origin, Unix milliseconds (propagation latency).</summary>
    public long? Ts { get; set; }

    /// <summary>Extension: how many relays the message has passed.</summary>
    public int? Hops { get; set; }

    /// <summary>Extension: W3C trace context of the sending span.</summary>
    public string? Traceparent { get; set; }
    public string? Tracestate { get; set; }

    /// <summary>Extension: id of the node that sent this copy (HANDSHAKE: the dialer).</summary>
    public string? From { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(WireEnvelope))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
