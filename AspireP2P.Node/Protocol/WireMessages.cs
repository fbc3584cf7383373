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

    /// <summary>
    /// Ours only: sent every heartbeat interval on links to nodes that announced a node id (never to the
    /// tutorial's nodes, which throw on unknown types). Carries liveness, the set digest and known peers.
    /// </summary>
    public const string Heartbeat = "HEARTBEAT";

    /// <summary>Version of the extension fields. 1: from/origin/ts/hops/traceparent, pos/sync, HEARTBEAT.</summary>
    public const int Version = 1;

    /// <summary>Most peer addresses one HEARTBEAT may carry.</summary>
    public const int MaxExchangedPeers = 16;

    /// <summary>Longest record key accepted from the wire.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>HTTP headers our nodes add to the WebSocket upgrade so each side learns the other's identity.</summary>
    public const string NodeIdHeader = "X-P2P-Node-Id";
    public const string AddressHeader = "X-P2P-Address";

    /// <summary>
    /// Both ways: the identity of the sender's record log. A node restarted without <c>--data-dir</c> keeps its node id
    /// if it was given one, but starts a new log: positions and "already has it" are about logs, not node ids.
    /// </summary>
    public const string LogIdHeader = "X-P2P-Log-Id";

    /// <summary>Acceptor → dialer: the dialer's log position to resume from (everything before it already arrived).</summary>
    public const string ResumeHeader = "X-P2P-Resume";

    /// <summary>Acceptor → dialer: the acceptor's set digest; equal digests mean nothing to catch up.</summary>
    public const string DigestHeader = "X-P2P-Digest";
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

    /// <summary>Extension (NEW_RECORD): the record's position in the sender's log, so a reconnect resumes after it.</summary>
    public long? Pos { get; set; }

    /// <summary>Extension (NEW_RECORD): true for catch-up copies, which are stored and relayed but not traced one by one.</summary>
    public bool? Sync { get; set; }

    /// <summary>HEARTBEAT: the sender's set digest, <c>count:hash</c>.</summary>
    public string? Digest { get; set; }

    /// <summary>HEARTBEAT: how many log entries the sender still has to send on this link.</summary>
    public long? Lag { get; set; }

    /// <summary>HEARTBEAT: addresses of the sender's peers (peer exchange).</summary>
    public List<string>? Peers { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(WireEnvelope))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
