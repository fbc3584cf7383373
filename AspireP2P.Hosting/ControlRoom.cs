using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Hosting;

/// <summary>
/// The dashboard as the network's control room. Every node gets the network's secrets and an "API reference" link; in
/// run mode also the development faults (<c>--dev-faults true</c> and their commands), and the network's own resource
/// (converged or not, Heal all) with the live view that keeps the Graph, each node's state and the network's convergence
/// current. Publish mode gets none of the run-time parts.
/// </summary>
internal sealed class ControlRoom
{
    /// <summary>The name this repository's AppHost gives its network: its row in the dashboard is <c>network</c>.</summary>
    public const string NetworkResourceName = "network";

    private readonly bool _runMode;
    private readonly IDistributedApplicationBuilder _builder;

    private ControlRoom(IDistributedApplicationBuilder builder, P2PNetworkResource network, NetworkSecrets secrets)
    {
        _builder = builder;
        Network = network;
        Secrets = secrets;
        _runMode = builder.ExecutionContext.IsRunMode;
    }

    public P2PNetworkResource Network { get; }

    public P2PNetworkOptions Options => Network.Options;

    public NodeSource Source => Network.Source;

    /// <summary>The network's secrets; <c>WithApiKey</c>/<c>WithNetworkKey</c> replace them before the application starts.</summary>
    public NetworkSecrets Secrets { get; set; }

    public NetworkNodes Nodes { get; } = new();

    /// <summary>The HttpClient (by name) the AppHost talks to this network's nodes with: it sends this network's API key.</summary>
    public string HttpClientName => $"{NodeHttp.ClientName}-{Network.Name}";

    /// <summary>Every resource's latest state, once the application is built (run mode).</summary>
    public ResourceStates? States { get; private set; }

    /// <summary>The live view, once the application is built (run mode with a live interval).</summary>
    public NetworkMonitor? Monitor { get; private set; }

    public static IResourceBuilder<P2PNetworkResource> Add(IDistributedApplicationBuilder builder, string name, P2PNetworkOptions options, NodeSource source)
    {
        var network = new P2PNetworkResource(name, options, source);
        var room = new ControlRoom(builder, network, NetworkSecrets.Add(builder));
        network.Room = room;
        builder.Services.AddNodeHttpClient(room.HttpClientName, () => room.Secrets.ApiKey.Resource);
        ApiKeyFile.WriteOnStart(builder, room);
        var resource = builder.AddResource(network)
            .WithInitialState(NetworkResource.InitialSnapshot(live: options.LiveInterval > TimeSpan.Zero))
            .ExcludeFromManifest();
        if (!room._runMode)
        {
            return resource;
        }

        resource.WithHealAllCommand(room);
        builder.AddDashboardLimits();
        if (!builder.Services.Any(d => d.ServiceType == typeof(ResourceStates)))
        {
            builder.Services.AddNodeHttpClient(NodeHttp.ClientName, apiKey: null);
            builder.Services.AddSingleton<ResourceStates>();
            builder.Services.AddHostedService(services => services.GetRequiredService<ResourceStates>());
            builder.Services.TryAddSingleton<INodeStatusReader, NodeStatusReader>();
            builder.Services.TryAddSingleton(services => new NodeConsoles(services.GetRequiredService<ResourceLoggerService>(), TimeProvider.System));
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            room.States = e.Services.GetRequiredService<ResourceStates>();
            // From the start on, the Graph shows live links only (none until the first read), not the declared chain.
            if (options.LiveInterval > TimeSpan.Zero)
            {
                LiveTopology.ForgetDeclaredLinks(room.Nodes);
            }

            return Task.CompletedTask;
        });

        // The live view (whether it runs is read at start, so WithLiveView may come after AddP2PNetwork).
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(services => room.Monitor = new NetworkMonitor(
            room.Nodes,
            network,
            services.GetRequiredService<INodeStatusReader>(),
            services.GetRequiredService<ResourceStates>(),
            services.GetRequiredService<ResourceNotificationService>(),
            services.GetRequiredService<ResourceLoggerService>(),
            services.GetRequiredService<NodeConsoles>(),
            options.LiveInterval,
            TimeProvider.System,
            services.GetRequiredService<ILogger<NetworkMonitor>>()));
        return resource;
    }

    /// <summary>Makes a node resource part of the network and of the control room.</summary>
    public IResourceWithEndpoints Join<T>(IResourceBuilder<T> node, int? portOffset, IResourceWithEndpoints? bootstrap, bool spare, bool asSettings = false)
        where T : IResourceWithArgs, IResourceWithEndpoints, IResourceWithEnvironment
    {
        var member = Nodes.Add(node.Resource, spare, portOffset);
        if (portOffset is not null)
        {
            node.WithHttpEndpoint(port: null, name: Extensions.EndpointName);
        }

        node.AsP2PNode(member, bootstrap, this, asSettings)
            .WithNodeHealthCheck(member)
            .WithNetworkSecrets(this, asSettings)
            .WithTraceBudget(Options)
            // ASP.NET Core's own per-request lines (the template's default level): the dashboard shows requests as
            // traces, and the live view's reads would add a dozen console lines per node and second.
            .WithEnvironment("Logging__LogLevel__Microsoft.AspNetCore", "Warning")
            .WithUrlForEndpoint(Extensions.EndpointName, _ => new ResourceUrlAnnotation { Url = "/scalar", DisplayText = "API reference" });
        if (_runMode)
        {
            if (asSettings)
            {
                node.WithEnvironment("P2P__DevFaults", "true");
            }
            else
            {
                node.WithArgs("--dev-faults", "true");
            }

            node.WithFaultCommands(this);
        }

        ApplyPorts();
        return spare ? node.AsSpare(this).Resource : node.Resource;
    }

    /// <summary>
    /// Gives every node and spare its public port (the base port plus its place) and puts DCP's proxy in front when the
    /// options ask for it; a member that joined keeps its own. Called whenever the ports or the proxy change.
    /// </summary>
    public void ApplyPorts()
    {
        var proxied = Options.UsesProxy(_builder);
        foreach (var node in Nodes.All.Where(n => n.PortOffset is not null))
        {
            var endpoint = node.Resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == Extensions.EndpointName);
            endpoint.Port = Options.BasePort + node.PortOffset;
            endpoint.IsProxied = proxied;
        }
    }
}
