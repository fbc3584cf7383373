using System.Text.Json;
using System.Text.Json.Serialization;
using AspireP2P.Node.Peers;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Apis;

/// <summary>The seed API's response shape: <c>{"message": "..."}</c>.</summary>
public sealed record MessageResponse(string Message);

/// <summary>POST /record's answer: the tutorial's message plus the record's key and the trace to look it up by.</summary>
public sealed record RecordCreatedResponse(string Message, string Key, string? TraceId);

public sealed record PeerConnectResponse(string Message, string Url, string Status);

public sealed record InboundPeerView(
    string Remote, string? Address, string? NodeId, DateTimeOffset ConnectedAt, DateTimeOffset LastSeen, bool SendsHeartbeats, long Received, long Rejected)
{
    public static InboundPeerView Of(InboundSession session) => new(
        session.Remote, session.Address?.ToString(), session.NodeId, session.ConnectedAt, session.LastSeen, session.SendsHeartbeats, session.Received, session.Rejected);
}

public sealed record PeersResponse(IReadOnlyList<PeerView> Outbound, IReadOnlyList<InboundPeerView> Inbound);

/// <summary><c>Digest</c> is <c>count:hash</c> of the record set: two nodes with equal digests hold the same records.</summary>
public sealed record NodeInfoResponse(string NodeId, string Address, string Url, int Records, string Digest, int Peers, bool Persistent, NodeTotals Totals, NodeLimits Limits);

public sealed record NodeLimits(int MaxRecordBytes, int MaxFrameBytes, int TargetPeers, int MaxPeers);

public sealed record DisconnectResponse(string Message, int Outbound, int Inbound);

/// <summary>
/// Source-generated JSON for the API. <see cref="Relaxed"/> uses relaxed escaping so messages read as the
/// tutorial's do (<c>New Peer: 'ws://…'</c>, not <c>\u0027</c>); everything is still valid JSON.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(MessageResponse))]
[JsonSerializable(typeof(RecordCreatedResponse))]
[JsonSerializable(typeof(PeerConnectResponse))]
[JsonSerializable(typeof(PeersResponse))]
[JsonSerializable(typeof(NodeInfoResponse))]
[JsonSerializable(typeof(DisconnectResponse))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class ApiJsonContext : JsonSerializerContext
{
    public static ApiJsonContext Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // Generic converters, one per enum in a response: they need no run-time code generation (Native AOT).
        Converters = { new JsonStringEnumConverter<PeerState>(), new JsonStringEnumConverter<PeerOrigin>() },
    });
}
