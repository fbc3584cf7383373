namespace AspireP2P.Hosting;

/// <summary>
/// What the network's row of the dashboard (<see cref="P2PNetworkResource"/>) shows: one place that says whether the nodes
/// have converged (State Converged or Diverging, the laggards and how far behind they are in its properties, each change
/// in its console log) and holds the network-wide commands.
/// </summary>
internal static class NetworkResource
{
    public const string ResourceType = P2PNetworkResource.ResourceType;

    public const string MaxRecords = "network.records";
    public const string Nodes = "network.nodes";
    public const string Laggards = "network.laggards";
    public const string Digests = "network.digests";
    public const string CheckedAt = "network.checkedAt";
    public const string LiveViewErrors = "network.liveViewErrors";

    /// <summary>Before the first reading; with the live view off (<c>--live-interval 0</c>) it stays so.</summary>
    public static CustomResourceSnapshot InitialSnapshot(bool live) => new()
    {
        ResourceType = ResourceType,
        State = new ResourceStateSnapshot(live ? Convergence.Starting : "Live view off", KnownResourceStateStyles.Info),
        Properties = [],
        IconName = "Organization",
    };

    /// <param name="checkedAt">When the round the verdict comes from began (its reads are from then).</param>
    /// <param name="liveViewErrors">The live view's failures so far and the last one, when there were any.</param>
    public static CustomResourceSnapshot Show(CustomResourceSnapshot snapshot, Convergence convergence, DateTimeOffset? checkedAt, string? liveViewErrors) => snapshot with
    {
        State = new ResourceStateSnapshot(convergence.State, convergence.StateStyle),
        Properties =
        [
            new(Nodes, $"{convergence.Running} of {convergence.Declared} running") { DisplayName = "Nodes", IsHighlighted = true, SortOrder = 101 },
            new(MaxRecords, convergence.MaxRecords) { DisplayName = "Records (fullest node)", IsHighlighted = true, SortOrder = 102 },
            new(Laggards, convergence.Laggards.Count > 0 ? string.Join("; ", convergence.Laggards)
                : convergence.State == Convergence.Converged ? "none" : convergence.Why ?? "not known yet")
            {
                DisplayName = "Laggards",
                IsHighlighted = true,
                SortOrder = 103,
            },
            new(Digests, convergence.Digests) { DisplayName = "Distinct digests", IsHighlighted = true, SortOrder = 104 },
            new(CheckedAt, checkedAt is { } at ? at.ToLocalTime().ToString("HH:mm:ss.f", System.Globalization.CultureInfo.InvariantCulture) : "not yet")
            {
                DisplayName = "Checked at (every node read)",
                IsHighlighted = true,
                SortOrder = 105,
            },
            .. liveViewErrors is null ? Array.Empty<ResourcePropertySnapshot>() : [new(LiveViewErrors, liveViewErrors) { DisplayName = "Live view errors", IsHighlighted = true, SortOrder = 106 }],
        ],
    };
}
