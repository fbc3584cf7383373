using System.Text.Json;
using System.Text.Json.Serialization;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Apis;

/// <summary>The seed API's response shape: <c>{"message": "..."}</c>.</summary>
public sealed record MessageResponse(string Message);

/// <summary>POST /record's answer: the tutorial's message plus the record's key and the trace to look it up by.</summary>
public sealed record RecordCreatedResponse(string Message, string Key, string? TraceId);

public sealed record PeerConnectResponse(string Message, string Url, string Status);

/// <summary>Every peer the node knows, one entry per peer (one link per pair of our nodes carries records both ways).</summary>
public sealed record PeersResponse(IReadOnlyList<PeerView> Peers);

/// <summary>Whether the node is joined and able to keep records, and if not why and since when.</summary>
public sealed record NodeHealthView(string Status, string? Reason, DateTimeOffset? Since);

/// <summary>How the node runs: what it accepts, whether peers must hold a network key, whether its records outlive it.</summary>
public sealed record NodeModeView(bool RequireSignatures, bool NetworkKey, bool Persistent, bool DevFaults);

public sealed record NodeFaultsView(DateTimeOffset? PartitionedUntil, int LatencyMs, int JitterMs, double LossPercent);

/// <summary>
/// GET /api/node. <c>Digest</c> summarizes every feed entry the node holds: two nodes with equal digests hold the same
/// records. <c>Lag</c> is what its links have yet to send.
/// </summary>
public sealed record NodeInfoResponse(
    string NodeId, string? Name, string Address, string Url, long Records, string Digest, int Peers, long Lag, NodeHealthView Health,
    NodeTotals Totals, NodeModeView Mode, NodeLimits Limits, NodeFaultsView? Faults);

public sealed record NodeLimits(int MaxRecordBytes, int MaxFrameBytes, int TargetPeers, int MaxPeers);

public sealed record DisconnectResponse(string Message, int Links);

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
[JsonSerializable(typeof(NodeFaultsView))]
[JsonSerializable(typeof(ThrowResponse))]
[JsonSerializable(typeof(ThrowRequest))]
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
