namespace AspireP2P.AppHost;

/// <summary>
/// The <c>network</c> row of the dashboard: one place that says whether the nodes have converged (State Converged or
/// Diverging, the laggards and how far behind they are in its properties, each change in its console log) and holds
/// the network-wide commands.
/// </summary>
internal sealed class NetworkResource(string name) : Resource(name)
{
    public const string ResourceType = "P2PNetwork";

    public const string MaxRecords = "network.records";
    public const string Nodes = "network.nodes";
    public const string Laggards = "network.laggards";
    public const string Digests = "network.digests";

    /// <summary>Before the first reading; with the live view off (<c>--live-interval 0</c>) it stays so.</summary>
    public static CustomResourceSnapshot InitialSnapshot(bool live) => new()
    {
        ResourceType = ResourceType,
        State = new ResourceStateSnapshot(live ? Convergence.NoNodes : "Live view off", KnownResourceStateStyles.Info),
        Properties = [],
        IconName = "Organization",
    };

    public static CustomResourceSnapshot Show(CustomResourceSnapshot snapshot, Convergence convergence) => snapshot with
    {
        State = new ResourceStateSnapshot(convergence.State, convergence.StateStyle),
        Properties =
        [
            new(Nodes, $"{convergence.Running} of {convergence.Declared} running") { DisplayName = "Nodes", IsHighlighted = true, SortOrder = 101 },
            new(MaxRecords, convergence.MaxRecords) { DisplayName = "Records (fullest node)", IsHighlighted = true, SortOrder = 102 },
            new(Laggards, convergence.Laggards.Count == 0 ? "none" : string.Join("; ", convergence.Laggards))
            {
                DisplayName = "Laggards",
                IsHighlighted = true,
                SortOrder = 103,
            },
            new(Digests, convergence.Digests) { DisplayName = "Distinct digests", IsHighlighted = true, SortOrder = 104 },
        ],
    };
}
