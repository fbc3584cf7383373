namespace AspireP2P.AppHost;

/// <summary>What the AppHost knows of one node at one moment.</summary>
/// <param name="Name">The node's resource name.</param>
/// <param name="State">Its resource state (Running, Exited, NotStarted, …).</param>
/// <param name="Status">Its latest read, when it is running and answered.</param>
internal sealed record NodeSample(string Name, string? State, NodeStatus? Status)
{
    public bool Running => State == KnownResourceStates.Running;

    /// <summary>A spare nobody started is not part of the network yet.</summary>
    public bool Declared => State is not null && State != KnownResourceStates.NotStarted;
}

/// <summary>Why a node lags.</summary>
internal enum LagKind
{
    /// <summary>Running and answering, with fewer records than the fullest node.</summary>
    Behind,

    /// <summary>As many records as the fullest node, but other ones.</summary>
    Different,

    /// <summary>Running but its API did not answer.</summary>
    NotAnswering,

    /// <summary>Started once, not running now (stopped, crashed, exited).</summary>
    Down,
}

/// <summary>A node that does not hold what the fullest node holds; <see cref="Behind"/> is null when it cannot be told.</summary>
internal sealed record Laggard(string Name, LagKind Kind, long? Behind, string Why)
{
    public override string ToString() => $"{Name}: {Why}";
}

/// <summary>Whether the running nodes hold the same records, and if not, who lags and by how much.</summary>
internal sealed record Convergence(string State, long MaxRecords, int Running, int Declared, int Digests, IReadOnlyList<Laggard> Laggards)
{
    public const string Converged = "Converged";
    public const string Diverging = "Diverging";
    public const string NoNodes = "No nodes running";

    public string StateStyle => State switch
    {
        Converged => KnownResourceStateStyles.Success,
        Diverging => KnownResourceStateStyles.Warn,
        _ => KnownResourceStateStyles.Info,
    };

    /// <summary>How many records the node holds fewer than the fullest running node (0 when it is not running).</summary>
    public long BehindOf(NodeSample sample) =>
        sample.Status is { } status ? Math.Max(0, MaxRecords - status.Records) : 0;

    public string Summary => State == Diverging
        ? $"{Diverging}: {string.Join("; ", Laggards)}"
        : $"{State}: {Running} of {Declared} nodes running, {MaxRecords} records";

    /// <summary>
    /// Converged: every node that was started is running and all of them report the same digest (equal digests mean
    /// equal record sets). Otherwise Diverging, naming each laggard: behind by <c>max records − its records</c>, down,
    /// not answering, or holding other records than the rest.
    /// </summary>
    public static Convergence Evaluate(IReadOnlyList<NodeSample> samples)
    {
        var declared = samples.Where(s => s.Declared).ToList();
        var answered = declared.Where(s => s.Running && s.Status is not null).ToList();
        var running = declared.Count(s => s.Running);
        if (answered.Count == 0)
        {
            return new Convergence(NoNodes, 0, running, declared.Count, 0, []);
        }

        var max = answered.Max(s => s.Status!.Records);
        var digests = answered.GroupBy(s => s.Status!.Digest).OrderByDescending(g => g.Count()).ToList();
        // Among nodes at the maximum count, the most common digest is the reference set.
        var reference = answered.Where(s => s.Status!.Records == max).GroupBy(s => s.Status!.Digest).MaxBy(g => g.Count())!.Key;
        var laggards = new List<Laggard>();
        foreach (var sample in declared)
        {
            if (!sample.Running)
            {
                laggards.Add(new Laggard(sample.Name, LagKind.Down, null, $"{sample.State?.ToLowerInvariant() ?? "unknown"}, holds nothing"));
            }
            else if (sample.Status is not { } status)
            {
                laggards.Add(new Laggard(sample.Name, LagKind.NotAnswering, null, "not answering"));
            }
            else if (status.Records < max)
            {
                laggards.Add(new Laggard(sample.Name, LagKind.Behind, max - status.Records, $"{max - status.Records} behind"));
            }
            else if (status.Digest != reference)
            {
                laggards.Add(new Laggard(sample.Name, LagKind.Different, 0, "holds other records (same count, other digest)"));
            }
        }

        return new Convergence(laggards.Count == 0 ? Converged : Diverging, max, running, declared.Count, digests.Count, laggards);
    }
}
