namespace AspireP2P.Hosting;

/// <summary>What the AppHost knows of one node in one round of the live view.</summary>
/// <param name="Name">The node's resource name.</param>
/// <param name="State">Its resource state (Running, Exited, NotStarted, …).</param>
/// <param name="Status">What it answered in this round; null when it is not running, did not answer, or was not read.</param>
internal sealed record NodeSample(string Name, string? State, NodeStatus? Status)
{
    /// <summary>A spare (<c>--spares</c>): one nobody started is not part of the network yet.</summary>
    public bool Spare { get; init; }

    /// <summary>It answered at least once since it was last started: a running node that never did is still starting.</summary>
    public bool Answered { get; init; }

    /// <summary>It was read in this round. False when its live view could not read it (restarting after an error).</summary>
    public bool Fresh { get; init; } = true;

    /// <summary>Why it stopped, when it is down and its console said (<c>Failed to bind to address …</c>).</summary>
    public string? StopReason { get; init; }

    /// <summary>Its exit code, when it is down.</summary>
    public int? ExitCode { get; init; }

    public bool Running => State == KnownResourceStates.Running;

    /// <summary>Its process ended (stopped, crashed, failed to start).</summary>
    public bool Down => KnownResourceStates.TerminalStates.Contains(State);

    /// <summary>Part of the network: every node, and a spare once started.</summary>
    public bool Declared => !Spare || (State is not null && State != KnownResourceStates.NotStarted);
}

/// <summary>Why a node lags.</summary>
internal enum LagKind
{
    /// <summary>Running and answering, with fewer records than the fullest node.</summary>
    Behind,

    /// <summary>As many records as the fullest node, but other ones.</summary>
    Different,

    /// <summary>Running, it answered before, and did not answer this time.</summary>
    NotAnswering,

    /// <summary>Started once, not running now (stopped, crashed, exited).</summary>
    Down,

    /// <summary>Being started, or running but not answering yet since it started.</summary>
    Starting,

    /// <summary>Running, but the live view has no fresh read of it (its reader restarts after an error).</summary>
    Unread,
}

/// <summary>A node that is not known to hold what the fullest node holds; <see cref="Behind"/> is null when it cannot be told.</summary>
internal sealed record Laggard(string Name, LagKind Kind, long? Behind, string Why)
{
    public override string ToString() => $"{Name}: {Why}";
}

/// <summary>
/// Whether the running nodes hold the same records, from one round of reads (every node read at about the same moment),
/// and if not, who lags and by how much. It claims only what the round showed: Converged needs a fresh answer from every
/// node; a node not read is "Checking", one not up yet "Starting", never a guess either way.
/// </summary>
internal sealed record Convergence(string State, long MaxRecords, int Running, int Declared, int Digests, IReadOnlyList<Laggard> Laggards)
{
    /// <summary>Why the network is <see cref="Checking"/> when no node is to blame (records being posted).</summary>
    public string? Why { get; init; }

    public const string Converged = "Converged";
    public const string Diverging = "Diverging";
    public const string Starting = "Starting";
    public const string Checking = "Checking";
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

    /// <summary>One line for the <c>network</c> console's timeline.</summary>
    public string Summary => State switch
    {
        Converged => $"{Converged}: {RunningText}, {Plural(MaxRecords, "record")}",
        NoNodes when Laggards.Count == 0 => $"{NoNodes}: none started yet",
        _ when Laggards.Count == 0 && Why is not null => $"{State}: {Why}",
        _ => $"{State}: {string.Join("; ", Laggards)}",
    };

    /// <summary><c>2 of 3 nodes running</c>.</summary>
    public string RunningText => $"{Running} of {Plural(Declared, "node")} running";

    /// <summary>The state before any round: nothing read yet.</summary>
    public static Convergence Unknown(string state) => new(state, 0, 0, 0, 0, []);

    /// <summary>A count and its noun: <c>1 record</c>, <c>2 records</c>.</summary>
    public static string Plural(long count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    /// <summary>
    /// Converged: every node that was started is running and answered this round, all with the same digest (equal digests
    /// mean equal record sets). Diverging names what is known to lag: behind by <c>max records − its records</c>, down (with
    /// why it stopped), not answering, or other records. Starting while the only laggards are nodes coming up; Checking
    /// while the only doubt is a node the round could not read.
    /// </summary>
    public static Convergence Evaluate(IReadOnlyList<NodeSample> samples)
    {
        var declared = samples.Where(s => s.Declared).ToList();
        var answered = declared.Where(s => s.Running && s.Fresh && s.Status is not null).ToList();
        var running = declared.Count(s => s.Running);
        var max = answered.Count == 0 ? 0 : answered.Max(s => s.Status!.Records);
        var digests = answered.Select(s => s.Status!.Digest).Distinct().Count();
        // Among nodes at the maximum count, the most common digest is the reference set.
        var reference = answered.Where(s => s.Status!.Records == max).GroupBy(s => s.Status!.Digest).MaxBy(g => g.Count())?.Key;
        var laggards = new List<Laggard>();
        foreach (var sample in declared)
        {
            if (sample.Down)
            {
                laggards.Add(new Laggard(sample.Name, LagKind.Down, null, DownWhy(sample)));
            }
            else if (!sample.Running)
            {
                laggards.Add(new Laggard(sample.Name, LagKind.Starting, null, $"{(string.IsNullOrEmpty(sample.State) ? "starting" : sample.State.ToLowerInvariant())}, holds nothing yet"));
            }
            else if (!sample.Fresh)
            {
                laggards.Add(new Laggard(sample.Name, LagKind.Unread, null, "not read this round (its live view restarts after an error)"));
            }
            else if (sample.Status is not { } status)
            {
                laggards.Add(sample.Answered
                    ? new Laggard(sample.Name, LagKind.NotAnswering, null, "not answering")
                    : new Laggard(sample.Name, LagKind.Starting, null, "starting, not answering yet"));
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

        var state = laggards.Count == 0 && declared.Count > 0 ? Converged
            : running == 0 && laggards.All(l => l.Kind == LagKind.Down) ? NoNodes
            : laggards.All(l => l.Kind == LagKind.Starting) ? Starting
            : laggards.All(l => l.Kind is LagKind.Starting or LagKind.Unread) ? Checking
            : Diverging;
        return new Convergence(state, max, running, declared.Count, digests, laggards);
    }

    private static string DownWhy(NodeSample sample)
    {
        var state = string.IsNullOrEmpty(sample.State) ? "down" : sample.State.ToLowerInvariant();
        var exit = sample.ExitCode is { } code && code != 0 ? $" with code {code}" : "";
        return sample.StopReason is { } reason ? $"{state}{exit}: {reason}" : $"{state}{exit}, holds nothing";
    }
}
