using AspireP2P.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// Adds a network of AspireP2P nodes to an Aspire AppHost: one resource per node (a chain, <c>node-0</c> ←
/// <c>node-1</c> ← …, each dialing its predecessor), the network's secrets as parameters, and in run mode the
/// dashboard's control room (live Graph of the real links, each node's state, the network's own row saying Converged or
/// Diverging, fault commands, spares).
/// </summary>
public static class P2PNetworkBuilderExtensions
{
    /// <summary>
    /// Adds a network of <paramref name="nodes"/> nodes on ports Aspire picks, running the node this package ships
    /// (a framework-dependent build of AspireP2P.Node, copied next to the AppHost when it builds, run with <c>dotnet</c>).
    /// </summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The network's resource: its row in the dashboard, and the name its commands are run on.</param>
    /// <param name="nodes">How many nodes, from 1 to <see cref="P2PNetworkOptions.MaxNodes"/>.</param>
    /// <returns>The network, to shape further (<c>WithTargetPeers</c>, <c>WithBasePort</c>, <c>WithSpares</c>, …).</returns>
    public static IResourceBuilder<P2PNetworkResource> AddP2PNetwork(this IDistributedApplicationBuilder builder, [ResourceName] string name, int nodes = 3) =>
        builder.AddP2PNetwork(name, new P2PNetworkOptions { Nodes = nodes });

    /// <summary>Adds a network shaped by <paramref name="options"/>, running the node this package ships.</summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The network's resource: its row in the dashboard, and the name its commands are run on.</param>
    /// <param name="options">The network's shape (copied: later changes go through the returned builder).</param>
    /// <exception cref="ArgumentException">The options ask for what the shipped node cannot do (<see cref="P2PNodeLaunch.Project"/>,
    /// <see cref="P2PNodeLaunch.NativeAot"/>: they need the node's project) or are out of range.</exception>
    public static IResourceBuilder<P2PNetworkResource> AddP2PNetwork(this IDistributedApplicationBuilder builder, [ResourceName] string name, P2PNetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Launch is P2PNodeLaunch.Project or P2PNodeLaunch.NativeAot)
        {
            throw new ArgumentException(
                $"Launch {options.Launch} needs the node's project: use AddP2PNetwork<TNodeProject>, or Launch Auto or Executable with the node this package ships.",
                nameof(options));
        }

        return builder.AddNetwork(name, options, NodeSource.Packaged);
    }

    /// <summary>
    /// Adds a network whose nodes run the node project <typeparamref name="TNodeProject"/> (an AppHost that references
    /// AspireP2P.Node's project, as this repository's does): every <see cref="P2PNodeLaunch"/> works, and publish mode
    /// describes each node as that project.
    /// </summary>
    /// <typeparam name="TNodeProject">The node project's metadata (<c>Projects.AspireP2P_Node</c>).</typeparam>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="name">The network's resource: its row in the dashboard, and the name its commands are run on.</param>
    /// <param name="options">The network's shape (copied: later changes go through the returned builder).</param>
    public static IResourceBuilder<P2PNetworkResource> AddP2PNetwork<TNodeProject>(this IDistributedApplicationBuilder builder, [ResourceName] string name, P2PNetworkOptions options)
        where TNodeProject : IProjectMetadata, new()
    {
        ArgumentNullException.ThrowIfNull(options);
        return builder.AddNetwork(name, options, NodeSource.FromProject<TNodeProject>());
    }

    /// <summary>Gives the first node the public port <paramref name="basePort"/>: node i gets <c>basePort + i</c>, spare j <c>basePort + nodes + j</c>.</summary>
    /// <param name="network">The network.</param>
    /// <param name="basePort">From 1, leaving room for every node and spare up to 65535.</param>
    public static IResourceBuilder<P2PNetworkResource> WithBasePort(this IResourceBuilder<P2PNetworkResource> network, int basePort) =>
        network.Change(options => options.BasePort = basePort, nameof(basePort));

    /// <summary>Lets Aspire pick every node's public port, behind its proxy (the default of <c>AddP2PNetwork</c>).</summary>
    /// <param name="network">The network.</param>
    public static IResourceBuilder<P2PNetworkResource> WithDynamicPorts(this IResourceBuilder<P2PNetworkResource> network) =>
        network.Change(options => options.BasePort = null, "basePort");

    /// <summary>
    /// Puts DCP's proxy in front of every node (on by default with dynamic ports, in tests and in publish mode; off with a
    /// base port, where it would relay every request and peer message).
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="proxy">True for the proxy.</param>
    public static IResourceBuilder<P2PNetworkResource> WithProxy(this IResourceBuilder<P2PNetworkResource> network, bool proxy = true) =>
        network.Change(options => options.Proxy = proxy, nameof(proxy));

    /// <summary>Turns on peer exchange: each node dials peers it learns about until it has this many, so the chain becomes a mesh.</summary>
    /// <param name="network">The network.</param>
    /// <param name="targetPeers">From 0 (off: the plain chain) to <see cref="P2PNetworkOptions.MaxTargetPeers"/>.</param>
    public static IResourceBuilder<P2PNetworkResource> WithTargetPeers(this IResourceBuilder<P2PNetworkResource> network, int targetPeers) =>
        network.Change(options => options.TargetPeers = targetPeers, nameof(targetPeers));

    /// <summary>Keeps each node's records in <c>{directory}/{node name}</c>, across restarts (off: in memory, as the tutorial).</summary>
    /// <param name="network">The network.</param>
    /// <param name="directory">A directory (created when missing), relative to the AppHost's working directory or absolute.</param>
    public static IResourceBuilder<P2PNetworkResource> WithDataDirectory(this IResourceBuilder<P2PNetworkResource> network, string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return network.Change(options => options.DataDir = directory, nameof(directory));
    }

    /// <summary>
    /// Sets how often the dashboard's live view reads every running node (the Graph, each node's row, the network's
    /// Converged or Diverging); <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="interval">Zero, or from <see cref="P2PNetworkOptions.MinLiveInterval"/> to <see cref="P2PNetworkOptions.MaxLiveInterval"/>.</param>
    public static IResourceBuilder<P2PNetworkResource> WithLiveView(this IResourceBuilder<P2PNetworkResource> network, TimeSpan interval)
    {
        network.Change(options => options.LiveInterval = interval, nameof(interval));
        return network.WithInitialState(NetworkResource.InitialSnapshot(live: interval > TimeSpan.Zero));
    }

    /// <summary>
    /// Sets the record traces the whole network starts per second (<see cref="P2PNetworkOptions.TracesPerSecond"/>, 5 by
    /// default), shared out among the nodes; a trace is kept on every node it reaches or on none.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="tracesPerSecond">0 or more.</param>
    public static IResourceBuilder<P2PNetworkResource> WithTracesPerSecond(this IResourceBuilder<P2PNetworkResource> network, double tracesPerSecond) =>
        network.Change(options => options.TracesPerSecond = tracesPerSecond, nameof(tracesPerSecond));

    /// <summary>Declares <paramref name="spares"/> nodes that start only when asked (the dashboard's Start), each joining a running node as a late joiner.</summary>
    /// <param name="network">The network.</param>
    /// <param name="spares">From 0 to <see cref="P2PNetworkOptions.MaxSpares"/>; a second call adds spares, never removes any.</param>
    public static IResourceBuilder<P2PNetworkResource> WithSpares(this IResourceBuilder<P2PNetworkResource> network, int spares)
    {
        var room = network.Resource.Room;
        network.Change(options => options.Spares = Math.Max(spares, room.Nodes.All.Count(n => n.Spare)), nameof(spares));
        network.ApplicationBuilder.AddSpares(room, network.Resource.Options.Spares);
        room.ApplyPorts();
        return network;
    }

    /// <summary>Uses <paramref name="apiKey"/> as the API key every node requires on mutating calls, instead of the generated <c>api-key</c>.</summary>
    /// <param name="network">The network.</param>
    /// <param name="apiKey">A parameter, preferably secret: 16 or more printable characters.</param>
    public static IResourceBuilder<P2PNetworkResource> WithApiKey(this IResourceBuilder<P2PNetworkResource> network, IResourceBuilder<ParameterResource> apiKey)
    {
        ArgumentNullException.ThrowIfNull(apiKey);
        var room = network.Resource.Room;
        room.Secrets = room.Secrets with { ApiKey = apiKey };
        return network;
    }

    /// <summary>Uses <paramref name="networkKey"/> as the key the nodes admit each other with, instead of the generated <c>network-key</c>.</summary>
    /// <param name="network">The network.</param>
    /// <param name="networkKey">A parameter, preferably secret: 8 or more characters (several, comma-separated, while rotating).</param>
    public static IResourceBuilder<P2PNetworkResource> WithNetworkKey(this IResourceBuilder<P2PNetworkResource> network, IResourceBuilder<ParameterResource> networkKey)
    {
        ArgumentNullException.ThrowIfNull(networkKey);
        var room = network.Resource.Room;
        room.Secrets = room.Secrets with { NetworkKey = networkKey };
        return network;
    }

    /// <summary>
    /// Makes an app that hosts the node as a library (AspireP2P.Node's <c>AddP2PNode</c>/<c>MapP2PNode</c>) a node of
    /// <paramref name="network"/>, as a node process is: its bootstrap peer is the node declared last (so it extends the
    /// chain), it gets the network's secrets and strict mode, its own display name, the address to announce, a
    /// readiness check, the dashboard's commands and a row in the live view; all as <c>P2P__*</c> settings in its
    /// environment. It keeps its own HTTP endpoint named <c>http</c> if it has one; otherwise it gets one on a port Aspire picks.
    /// </summary>
    /// <typeparam name="T">A project or executable resource.</typeparam>
    /// <param name="app">The app.</param>
    /// <param name="network">The network it joins.</param>
    public static IResourceBuilder<T> JoinP2PNetwork<T>(this IResourceBuilder<T> app, IResourceBuilder<P2PNetworkResource> network)
        where T : IResourceWithArgs, IResourceWithEndpoints, IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(network);
        var room = network.Resource.Room;
        var bootstrap = room.Nodes.All.LastOrDefault(n => !n.Spare)?.Resource;
        room.Join(app, portOffset: null, bootstrap, spare: false, asSettings: true);
        return app;
    }

    private static IResourceBuilder<P2PNetworkResource> AddNetwork(this IDistributedApplicationBuilder builder, string name, P2PNetworkOptions options, NodeSource source)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options = options.Clone();
        if (options.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        var network = ControlRoom.Add(builder, name, options, source);
        var room = network.Resource.Room;
        IResourceWithEndpoints? predecessor = null;
        for (var i = 0; i < options.Nodes; i++)
        {
            predecessor = builder.AddP2PNode($"{options.NodeNamePrefix}-{i}", i, predecessor, room);
        }

        builder.AddSpares(room, options.Spares);
        return network;
    }

    /// <summary>Changes the options, checks them (an out-of-range value is refused, the options as before) and applies ports.</summary>
    private static IResourceBuilder<P2PNetworkResource> Change(this IResourceBuilder<P2PNetworkResource> network, Action<P2PNetworkOptions> change, string parameter)
    {
        var options = network.Resource.Options;
        var changed = options.Clone();
        change(changed);
        if (changed.Problem() is { } problem)
        {
            throw new ArgumentOutOfRangeException(parameter, problem);
        }

        change(options);
        network.Resource.Room.ApplyPorts();
        return network;
    }
}
