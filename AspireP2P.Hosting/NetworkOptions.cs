using Microsoft.Extensions.Configuration;

namespace AspireP2P.AppHost;

/// <summary>How a node process is started in run mode.</summary>
public enum NodeLaunch
{
    /// <summary>
    /// The default: <see cref="NativeAot"/> when the node's Native AOT publish is current, else <see cref="Executable"/>
    /// at once, and the AppHost publishes the Native AOT node in the background once every node is healthy, for the next
    /// start. A start never waits for a publish (NodeLaunchPlan.cs). Under Aspire.Hosting.Testing: Executable.
    /// </summary>
    Auto,

    /// <summary>
    /// The node's built binary, started directly: about half the start-up time and ~126 MB less per node than
    /// <see cref="Project"/>, because there is no <c>dotnet run</c> wrapper process per node.
    /// </summary>
    Executable,

    /// <summary><c>AddProject</c>: Aspire starts each node with <c>dotnet run</c>; the dashboard can rebuild it.</summary>
    Project,

    /// <summary>
    /// The node published with Native AOT, published at start (and waited for, its progress shown) when the node changed;
    /// linking needs clang, or gcc when there is no clang, and objcopy (see <see cref="NativeAotNode"/>). A node starts on a
    /// tenth of the CPU time and takes about half the memory, so 50 nodes are healthy in seconds.
    /// </summary>
    NativeAot,
}

/// <summary>The network the AppHost declares, bound from the <c>Network</c> configuration section.</summary>
public sealed class NetworkOptions
{
    public const string SectionName = "Network";

    /// <summary>How many nodes: <c>node-0</c> … <c>node-{Nodes-1}</c>.</summary>
    public int Nodes { get; set; } = 3;

    /// <summary>Public HTTP/WebSocket port of <c>node-0</c>; node i listens on <c>BasePort + i</c>.</summary>
    public int BasePort { get; set; } = 3030;

    /// <summary>How node processes are started in run mode; publish mode always describes projects.</summary>
    public NodeLaunch Launch { get; set; } = NodeLaunch.Auto;

    /// <summary>
    /// Opt-in persistence: each node keeps its records in <c>{DataDir}/node-i</c> and reloads them when it is
    /// restarted (from the dashboard too) or when the whole network is started again. Off: in memory, as the tutorial.
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
    /// mode: the proxy relays every request and every peer message (a tenth or more of the AppHost's CPU per record) and
    /// accepts connections before the node listens. Always on where the AppHost randomizes ports (Aspire.Hosting.Testing),
    /// which only works through the proxy, and in publish mode.
    /// </summary>
    public bool Proxy { get; set; }

    internal bool UsesProxy(IDistributedApplicationBuilder builder) =>
        Proxy || builder.ExecutionContext.IsPublishMode || builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts");
}
