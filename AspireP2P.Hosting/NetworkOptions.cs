using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>How a node process is started in run mode. Every mode but <see cref="Executable"/> needs the node's project.</summary>
public enum P2PNodeLaunch
{
    /// <summary>
    /// The default. With the node's project: the Native AOT node when its publish is current, else the JIT build at once,
    /// and the AppHost publishes the Native AOT node in the background once every node is healthy, for the next start (a
    /// start never waits for a publish). With the node this package ships: <see cref="Executable"/>. Under
    /// Aspire.Hosting.Testing: <see cref="Executable"/>.
    /// </summary>
    Auto,

    /// <summary>
    /// The node's built binary, started directly: about half the start-up time and ~126 MB less per node than
    /// <see cref="Project"/>, because there is no <c>dotnet run</c> wrapper process per node.
    /// </summary>
    Executable,

    /// <summary><c>AddProject</c>: Aspire starts each node with <c>dotnet run</c>; the dashboard can rebuild it. Needs the node's project.</summary>
    Project,

    /// <summary>
    /// The node published with Native AOT, published at start (and waited for, its progress shown) when the node changed;
    /// linking needs clang, or gcc when there is no clang, and objcopy. A node starts on a tenth of the CPU time and takes
    /// about half the memory, so 50 nodes are healthy in seconds. Needs the node's project.
    /// </summary>
    NativeAot,
}

/// <summary>
/// The shape of a P2P network: how many nodes, their ports, how they start and how the dashboard watches them. Bound from
/// the <c>Network</c> configuration section by <see cref="P2PNetworkCommandLine"/>, or set in code for
/// <see cref="P2PNetworkBuilderExtensions.AddP2PNetwork(IDistributedApplicationBuilder, string, P2PNetworkOptions)"/>.
/// </summary>
public sealed class P2PNetworkOptions
{
    /// <summary>The configuration section the command line's flags map onto (<c>--nodes 5</c> is <c>Network:Nodes</c>).</summary>
    public const string SectionName = "Network";

    /// <summary>Most nodes one network declares.</summary>
    public const int MaxNodes = 1000;

    /// <summary>Most spares one network declares.</summary>
    public const int MaxSpares = 1000;

    /// <summary>Highest peer-exchange target a node accepts.</summary>
    public const int MaxTargetPeers = 64;

    /// <summary>Shortest live-view interval (other than 0, which turns it off).</summary>
    public static readonly TimeSpan MinLiveInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest live-view interval.</summary>
    public static readonly TimeSpan MaxLiveInterval = TimeSpan.FromHours(1);

    /// <summary>How many nodes: <c>node-0</c> … <c>node-{Nodes-1}</c>, each dialing its predecessor (a chain).</summary>
    public int Nodes { get; set; } = 3;

    /// <summary>
    /// Public HTTP/WebSocket port of the first node; node i listens on <c>BasePort + i</c>, spare j on
    /// <c>BasePort + Nodes + j</c>. Null: Aspire picks free ports, behind its proxy.
    /// </summary>
    public int? BasePort { get; set; }

    /// <summary>How node processes are started in run mode; publish mode always describes projects (or the shipped node's executable).</summary>
    public P2PNodeLaunch Launch { get; set; } = P2PNodeLaunch.Auto;

    /// <summary>
    /// Opt-in persistence: each node keeps its records in <c>{DataDir}/{node name}</c> and reloads them when it is
    /// restarted (from the dashboard too) or when the whole network is started again. Null: in memory, as the tutorial.
    /// </summary>
    public string? DataDir { get; set; }

    /// <summary>Peer exchange: each node dials peers it learns about until it has this many (0 = the plain chain).</summary>
    public int TargetPeers { get; set; }

    /// <summary>Nodes declared but started only from the dashboard (<c>spare-0</c> …), each joining as a late joiner.</summary>
    public int Spares { get; set; }

    /// <summary>How often the AppHost reads every running node for the dashboard's live view; zero turns the live view off.</summary>
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Puts DCP's proxy between every node and its public port (Aspire's default for endpoints). Off by default in run
    /// mode with a base port: the proxy relays every request and every peer message (a tenth or more of the AppHost's CPU
    /// per record) and accepts connections before the node listens. Always on with dynamic ports, where the AppHost
    /// randomizes ports (Aspire.Hosting.Testing), which only works through the proxy, and in publish mode.
    /// </summary>
    public bool Proxy { get; set; }

    /// <summary>
    /// New record traces the whole network starts per second, shared out among the nodes (each starts its share); a
    /// trace is kept on every node it reaches or on none. The default keeps the dashboard quick for as long as the
    /// network runs (about 6 spans a trace); raise it to trace more records while debugging. 0: only records posted with
    /// a sampled trace of their own are traced.
    /// </summary>
    public double TracesPerSecond { get; set; } = DefaultTracesPerSecond;

    /// <summary>The default <see cref="TracesPerSecond"/>: a few thousand spans a minute for the dashboard.</summary>
    public const double DefaultTracesPerSecond = 5;

    /// <summary>Node resources are named <c>{NodeNamePrefix}-{i}</c>; two networks in one AppHost need different prefixes.</summary>
    public string NodeNamePrefix { get; set; } = "node";

    /// <summary>Spare resources are named <c>{SpareNamePrefix}-{j}</c>.</summary>
    public string SpareNamePrefix { get; set; } = "spare";

    internal bool UsesProxy(IDistributedApplicationBuilder builder) =>
        Proxy || BasePort is null || builder.ExecutionContext.IsPublishMode || builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts");

    /// <summary>What is wrong with these options in code (the command line names its flags instead), or null.</summary>
    internal string? Problem()
    {
        if (Nodes is < 1 or > MaxNodes)
        {
            return $"{nameof(Nodes)} must be from 1 to {MaxNodes}, not {Nodes}.";
        }

        if (Spares is < 0 or > MaxSpares)
        {
            return $"{nameof(Spares)} must be from 0 to {MaxSpares}, not {Spares}.";
        }

        if (TargetPeers is < 0 or > MaxTargetPeers)
        {
            return $"{nameof(TargetPeers)} must be from 0 to {MaxTargetPeers}, not {TargetPeers}.";
        }

        if (LiveInterval != TimeSpan.Zero && (LiveInterval < MinLiveInterval || LiveInterval > MaxLiveInterval))
        {
            return $"{nameof(LiveInterval)} must be 0 (off) or from {MinLiveInterval.TotalSeconds:0.#} s to {MaxLiveInterval.TotalSeconds:0} s, not {LiveInterval}.";
        }

        if (BasePort is { } port && (port < 1 || port + Nodes + Spares - 1 > 65535))
        {
            return $"{nameof(BasePort)} {port} leaves no room for {Nodes + Spares} ports up to 65535: use a base port from 1 to {65535 - (Nodes + Spares) + 1}.";
        }

        if (!double.IsFinite(TracesPerSecond) || TracesPerSecond < 0)
        {
            return $"{nameof(TracesPerSecond)} must be a number of traces a second, 0 or more, not {TracesPerSecond}.";
        }

        if (string.IsNullOrWhiteSpace(NodeNamePrefix) || string.IsNullOrWhiteSpace(SpareNamePrefix))
        {
            return $"{nameof(NodeNamePrefix)} and {nameof(SpareNamePrefix)} must not be empty.";
        }

        return null;
    }

    internal P2PNetworkOptions Clone() => (P2PNetworkOptions)MemberwiseClone();
}
