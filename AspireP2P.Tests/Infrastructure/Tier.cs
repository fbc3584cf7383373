namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// The suite's tiers, tagged on every test class as the xunit trait <c>Category</c>, so that
/// <c>dotnet test --filter Category=Unit</c> runs one tier. Ordered from the fastest to the heaviest.
/// </summary>
public static class Tier
{
    /// <summary>The trait's name: <c>[Trait(Tier.Category, Tier.Unit)]</c>.</summary>
    public const string Category = "Category";

    /// <summary>One type or function, no socket: runs in seconds.</summary>
    public const string Unit = "Unit";

    /// <summary>Deterministic runs of whole networks in the simulator, with no real time or socket.</summary>
    public const string Simulation = "Simulation";

    /// <summary>Several nodes in this process on real loopback sockets.</summary>
    public const string Network = "Network";

    /// <summary>Nodes as real operating-system processes (the built AspireP2P.Node), killed and restarted.</summary>
    public const string Process = "Process";

    /// <summary>The tutorial's own node on Deno next to ours.</summary>
    public const string Seed = "Seed";

    /// <summary>The node's web page in a real Chromium.</summary>
    public const string Browser = "Browser";

    /// <summary>The real AppHost through Aspire.Hosting.Testing.</summary>
    public const string Aspire = "Aspire";

    /// <summary>Node processes on hosts of their own (Linux network namespaces), with faults made by the kernel.</summary>
    public const string Hosts = "Hosts";

    /// <summary>The packed packages in a consumer's AppHost outside the repository, restored from a local folder feed.</summary>
    public const string Packages = "Packages";

    public static IReadOnlyList<string> All { get; } = [Unit, Simulation, Network, Process, Seed, Browser, Aspire, Hosts, Packages];
}
