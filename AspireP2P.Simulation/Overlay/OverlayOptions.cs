namespace AspireP2P.Simulation.Overlay;

/// <summary>A harness run: how many nodes, how they join, their views, the network's delays, the seed.</summary>
public sealed record OverlayOptions
{
    public int Nodes { get; init; } = 25;

    /// <summary>The active view (P2P:TargetPeers).</summary>
    public int ActiveSize { get; init; } = 3;

    /// <summary>The passive view; 0: six times the active view.</summary>
    public int PassiveSize { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Node i starts this long after node i − 1, joining through it (each knows only its predecessor, as the AppHost's chain).</summary>
    public TimeSpan JoinInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>One-way delay of a link, fixed per link, drawn in [min, max].</summary>
    public TimeSpan LatencyMin { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan LatencyMax { get; init; } = TimeSpan.FromMilliseconds(150);

    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long until a crashed node's peers notice (heartbeats; a killed process's sockets close sooner).</summary>
    public TimeSpan FailureDetection { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ShuffleInterval { get; init; } = TimeSpan.FromSeconds(10);
}
