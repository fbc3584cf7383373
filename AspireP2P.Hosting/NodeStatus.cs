using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireP2P.Hosting;

/// <summary>What one read of a running node's <c>GET /api/node</c> and <c>GET /api/peers</c> says, in the AppHost's terms.</summary>
internal sealed record NodeStatus(
    string? NodeId,
    long Records,
    string? Digest,
    int Peers,
    long Lag,
    long Rejected,
    long Dropped,
    NodeHealth Health,
    NodeFaults? Faults,
    IReadOnlyList<LinkedPeer> Links)
{
    public static NodeStatus From(NodeInfoDocument node, PeersDocument peers) =>
        new(
            node.NodeId,
            node.Records,
            node.Digest,
            node.Peers,
            node.Lag,
            node.Totals?.Rejected ?? 0,
            node.Totals?.Dropped ?? 0,
            new NodeHealth(
                Enum.TryParse<HealthStatus>(node.Health?.Status, ignoreCase: true, out var status) ? status : HealthStatus.Unhealthy,
                node.Health is null ? "GET /api/node carries no health" : node.Health.Reason,
                node.Health?.Since),
            node.Faults,
            [
                .. (peers.Peers ?? []).Where(p => p.IsConnected)
                    .Select(p => new LinkedPeer(p.Address, p.Name, string.Equals(p.Origin, "Bootstrap", StringComparison.OrdinalIgnoreCase))),
            ]);
}

/// <summary>Why a node is (or is not) healthy, and since when by the node's clock (null when the node gives no time).</summary>
internal sealed record NodeHealth(HealthStatus Status, string? Reason, DateTimeOffset? Since);

/// <summary>A peer this node has an open link with; <see cref="Bootstrap"/> when it is one named in the node's <c>--peers</c>.</summary>
internal sealed record LinkedPeer(string? Address, string? Name, bool Bootstrap);

// The node's JSON (GET /api/node, GET /api/peers), reduced to what the live view shows.

internal sealed record NodeInfoDocument(
    string? NodeId, string? Name, string? Address, long Records, string? Digest, int Peers, long Lag,
    NodeHealthDocument? Health, NodeTotalsDocument? Totals, NodeFaults? Faults);

internal sealed record NodeHealthDocument(string? Status, string? Reason, DateTimeOffset? Since);

internal sealed record NodeTotalsDocument(long Rejected, long Dropped);

/// <summary>The node's development faults (only with <c>--dev-faults true</c>).</summary>
internal sealed record NodeFaults(DateTimeOffset? PartitionedUntil, int LatencyMs, int JitterMs, double LossPercent)
{
    public override string ToString()
    {
        var parts = new List<string>();
        if (PartitionedUntil is { } until)
        {
            parts.Add($"partitioned until {until.ToLocalTime():HH:mm:ss}");
        }

        if (LatencyMs > 0 || JitterMs > 0)
        {
            parts.Add($"latency {LatencyMs}±{JitterMs} ms");
        }

        if (LossPercent > 0)
        {
            parts.Add($"loss {LossPercent:0.#}%");
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}

/// <summary><c>{"peers": […]}</c>: one entry per peer the node knows, linked or not.</summary>
internal sealed record PeersDocument(IReadOnlyList<PeerDocument>? Peers);

internal sealed record PeerDocument(string? Address, string? Name, string? State, string? Origin)
{
    public bool IsConnected => string.Equals(State, "Connected", StringComparison.OrdinalIgnoreCase);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NodeInfoDocument))]
[JsonSerializable(typeof(PeersDocument))]
internal sealed partial class NodeJsonContext : JsonSerializerContext;
