using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireP2P.AppHost;

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
    public static NodeStatus From(NodeInfoDocument node, PeersDocument peers)
    {
        var links = peers.Links().ToList();
        return new NodeStatus(
            node.NodeId,
            node.Records,
            node.Digest,
            node.Peers,
            // Older nodes report lag per outbound link only.
            node.Lag ?? peers.Outbound?.Sum(p => p.Lag) ?? 0,
            node.Totals?.Rejected ?? 0,
            node.Totals?.Dropped ?? 0,
            node.Health is { Status: { } status } health
                ? new NodeHealth(Enum.TryParse<HealthStatus>(status, ignoreCase: true, out var parsed) ? parsed : HealthStatus.Unhealthy, health.Reason, health.Since)
                : NodeHealth.FromBootstrapLinks(peers),
            node.Faults,
            links);
    }
}

/// <summary>Why a node is (or is not) healthy; <see cref="Since"/> is the node's own clock when it says so, else null.</summary>
internal sealed record NodeHealth(HealthStatus Status, string? Reason, DateTimeOffset? Since)
{
    /// <summary>
    /// For nodes whose <c>/api/node</c> carries no health yet: they are Degraded while a peer named in <c>--peers</c> is not
    /// connected, which is what their <c>/health</c> check says too.
    /// </summary>
    public static NodeHealth FromBootstrapLinks(PeersDocument peers)
    {
        var missing = (peers.Outbound ?? peers.Peers ?? [])
            .Where(p => string.Equals(p.Origin, "Bootstrap", StringComparison.OrdinalIgnoreCase) && !p.IsConnected)
            .Select(p => $"{p.Address} {p.State?.ToLowerInvariant()}{(p.LastError is { Length: > 0 } error ? $": {error}" : "")}")
            .ToList();
        return missing.Count == 0
            ? new NodeHealth(HealthStatus.Healthy, null, null)
            : new NodeHealth(HealthStatus.Degraded, $"bootstrap peer {string.Join("; ", missing)}", null);
    }
}

/// <summary>A peer this node has an open link with; <see cref="Bootstrap"/> when it is one named in the node's <c>--peers</c>.</summary>
internal sealed record LinkedPeer(string? Address, string? NodeId, string? Name, bool Bootstrap);

// The documents below read both the node's current JSON and the shape the protocol-v2 node answers with
// (docs of the node contract): fields one of them lacks stay null.

internal sealed record NodeInfoDocument(
    string? NodeId, string? Name, string? Address, long Records, string? Digest, int Peers, long? Lag,
    NodeHealthDocument? Health, NodeTotalsDocument? Totals, NodeFaults? Faults);

internal sealed record NodeHealthDocument(string? Status, string? Reason, DateTimeOffset? Since);

internal sealed record NodeTotalsDocument(long Received, long Sent, long Duplicates, long Rejected, long Dropped);

/// <summary>The node's development faults (only with <c>--dev-faults true</c>).</summary>
internal sealed record NodeFaults(DateTimeOffset? PartitionedUntil, int LatencyMs, int JitterMs, double LossPercent)
{
    public bool Any => PartitionedUntil is not null || LatencyMs > 0 || JitterMs > 0 || LossPercent > 0;

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

/// <summary><c>{"peers": […]}</c> (protocol v2: one entry per peer), or today's <c>{"outbound": […], "inbound": […]}</c>.</summary>
internal sealed record PeersDocument(IReadOnlyList<PeerDocument>? Peers, IReadOnlyList<PeerDocument>? Outbound, IReadOnlyList<PeerDocument>? Inbound)
{
    public IEnumerable<LinkedPeer> Links()
    {
        foreach (var peer in (Peers ?? []).Concat(Outbound ?? []).Where(p => p.IsConnected))
        {
            yield return new LinkedPeer(peer.Address, peer.NodeId, peer.Name, string.Equals(peer.Origin, "Bootstrap", StringComparison.OrdinalIgnoreCase));
        }

        // An inbound session is open for as long as it is listed.
        foreach (var peer in Inbound ?? [])
        {
            yield return new LinkedPeer(peer.Address, peer.NodeId, peer.Name, Bootstrap: false);
        }
    }
}

internal sealed record PeerDocument(
    string? Address, string? NodeId, string? Name, string? State, string? Origin, long Lag, string? LastError)
{
    public bool IsConnected => string.Equals(State, "Connected", StringComparison.OrdinalIgnoreCase);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(NodeInfoDocument))]
[JsonSerializable(typeof(PeersDocument))]
internal sealed partial class NodeJsonContext : JsonSerializerContext;
