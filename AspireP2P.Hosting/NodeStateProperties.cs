using System.Collections.Immutable;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireP2P.Hosting;

/// <summary>
/// A node's live state in its dashboard row (the details pane): records, how far behind the fullest node it is, links,
/// lag, refusals and faults, plus a health report that says why the node is not healthy and since when.
/// </summary>
internal static class NodeStateProperties
{
    /// <summary>The health report's name, next to the <c>/health</c> probe's own report.</summary>
    public const string HealthReportName = "p2p";

    public const string Records = "p2p.records";
    public const string Behind = "p2p.behind";
    public const string Peers = "p2p.peers";
    public const string LinkedTo = "p2p.linkedTo";
    public const string Lag = "p2p.lag";
    public const string Rejected = "p2p.rejected";
    public const string Dropped = "p2p.dropped";
    public const string Digest = "p2p.digest";
    public const string NodeId = "p2p.nodeId";
    public const string Faults = "p2p.faults";
    public const string StopReason = "p2p.stopReason";

    private const string Prefix = "p2p.";

    /// <summary>The snapshot with the node's latest read; <paramref name="health"/> carries the AppHost's own "since".</summary>
    public static CustomResourceSnapshot Show(
        CustomResourceSnapshot snapshot, NodeStatus status, long behind, ImmutableArray<RelationshipSnapshot> links, HealthReportSnapshot health)
    {
        var linkedTo = links.Length == 0
            ? "none"
            : string.Join(", ", links.Select(l => l.Type == LiveTopology.BootstrapLink ? $"{l.ResourceName} (bootstrap)" : l.ResourceName));
        ImmutableArray<ResourcePropertySnapshot> properties =
        [
            Property(Records, "Records", status.Records, 1),
            Property(Behind, "Behind (records)", behind, 2),
            Property(Peers, "Peers", status.Peers, 3),
            Property(LinkedTo, "Linked to", linkedTo, 4),
            Property(Lag, "Lag (records not yet sent)", status.Lag, 5),
            Property(Rejected, "Rejected messages", status.Rejected, 6),
            Property(Dropped, "Dropped messages", status.Dropped, 7),
            Property(Digest, "Digest", status.Digest ?? "", 8),
            Property(NodeId, "Node id", status.NodeId ?? "", 9),
            .. status.Faults is { } faults ? [Property(Faults, "Faults", faults.ToString(), 10)] : Array.Empty<ResourcePropertySnapshot>(),
        ];
        return WithHealth(snapshot with { Properties = [.. snapshot.Properties.Where(p => !IsOurs(p)), .. properties] }, health);
    }

    /// <summary>A running node that did not answer: its last numbers would mislead, the health report says why.</summary>
    public static CustomResourceSnapshot NotAnswering(CustomResourceSnapshot snapshot, HealthReportSnapshot health) =>
        WithHealth(Clear(snapshot), health);

    /// <summary>A node that is not running shows no live state: neither its numbers nor a health report of when it ran.</summary>
    public static CustomResourceSnapshot Clear(CustomResourceSnapshot snapshot) =>
        snapshot.WithHealthReports([.. snapshot.HealthReports.Where(r => r.Name != HealthReportName)]) with
        {
            Properties = [.. snapshot.Properties.Where(p => !IsOurs(p))],
        };

    /// <summary>A node that stopped: why, when its console said (a port already in use, a failed start).</summary>
    public static CustomResourceSnapshot Stopped(CustomResourceSnapshot snapshot, string? reason)
    {
        var cleared = Clear(snapshot);
        return reason is null ? cleared : cleared with { Properties = [.. cleared.Properties, Property(StopReason, "Why it stopped", reason, 0)] };
    }

    /// <param name="status">Null when it is not known (a node still starting, a live view that could not read it).</param>
    public static HealthReportSnapshot HealthReport(HealthStatus? status, string description, DateTimeOffset checkedAt) =>
        new(HealthReportName, status, description, ExceptionText: null) { LastRunAt = checkedAt.UtcDateTime };

    private static CustomResourceSnapshot WithHealth(CustomResourceSnapshot snapshot, HealthReportSnapshot health) =>
        snapshot.WithHealthReports([.. snapshot.HealthReports.Where(r => r.Name != HealthReportName), health]);

    private static bool IsOurs(ResourcePropertySnapshot property) => property.Name.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Highlighted, so the details pane shows it without "show all"; sorted after Aspire's own properties.</summary>
    private static ResourcePropertySnapshot Property(string name, string displayName, object value, int order) =>
        new(name, value) { DisplayName = displayName, IsHighlighted = true, SortOrder = 100 + order };
}
