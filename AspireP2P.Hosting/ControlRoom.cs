using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspireP2P.AppHost;

/// <summary>
/// The dashboard as the network's control room. Every node gets the network's secrets and an "API reference" link; in
/// run mode also the development faults (<c>--dev-faults true</c> and their commands), and the AppHost adds the
/// <c>network</c> resource (converged or not, Heal all) and the live view that keeps the Graph, each node's state and
/// the network's convergence current. Publish mode gets none of the run-time parts.
/// </summary>
internal sealed class ControlRoom
{
    public const string NetworkResourceName = "network";

    private readonly bool _runMode;

    private ControlRoom(NetworkSecrets secrets, bool runMode)
    {
        Secrets = secrets;
        _runMode = runMode;
    }

    public NetworkSecrets Secrets { get; }

    public NetworkNodes Nodes { get; } = new();

    /// <summary>Every resource's latest state, once the application is built (run mode).</summary>
    public ResourceStates? States { get; private set; }

    public static ControlRoom Add(IDistributedApplicationBuilder builder, NetworkOptions network)
    {
        var room = new ControlRoom(NetworkSecrets.Add(builder), builder.ExecutionContext.IsRunMode);
        ApiKeyFile.WriteOnStart(builder, room.Secrets, network);
        if (!room._runMode)
        {
            return room;
        }

        var resource = builder.AddResource(new NetworkResource(NetworkResourceName))
            .WithInitialState(NetworkResource.InitialSnapshot(live: network.LiveInterval > TimeSpan.Zero))
            .ExcludeFromManifest()
            .WithHealAllCommand(room.Nodes);
        builder.Services.AddSingleton<ResourceStates>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ResourceStates>());
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            room.States = e.Services.GetRequiredService<ResourceStates>();
            return Task.CompletedTask;
        });
        if (network.LiveInterval > TimeSpan.Zero)
        {
            builder.Services.AddSingleton<INodeStatusReader, NodeStatusReader>();
            builder.Services.AddSingleton(services => new NodeConsoles(services.GetRequiredService<ResourceLoggerService>(), TimeProvider.System));
            builder.Services.AddSingleton(services => new NetworkMonitor(
                room.Nodes,
                resource.Resource,
                services.GetRequiredService<INodeStatusReader>(),
                services.GetRequiredService<ResourceStates>(),
                services.GetRequiredService<ResourceNotificationService>(),
                services.GetRequiredService<ResourceLoggerService>(),
                services.GetRequiredService<NodeConsoles>(),
                network.LiveInterval,
                TimeProvider.System,
                services.GetRequiredService<ILogger<NetworkMonitor>>()));
            // The burst command tells it when it changes the records (FaultCommands).
            builder.Services.AddHostedService(services => services.GetRequiredService<NetworkMonitor>());
            // From the start on, the Graph shows live links only (none until the first read), not the declared chain.
            builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
            {
                LiveTopology.ForgetDeclaredLinks(room.Nodes);
                return Task.CompletedTask;
            });
        }

        return room;
    }

    /// <summary>Makes a node resource part of the control room.</summary>
    public IResourceBuilder<T> Join<T>(IResourceBuilder<T> node, bool spare)
        where T : IResourceWithArgs, IResourceWithEndpoints, IResourceWithEnvironment
    {
        var member = Nodes.Add(node.Resource, spare);
        node.WithNodeHealthCheck(member)
            .WithNetworkSecrets(Secrets)
            // ASP.NET Core's own per-request lines (the template's default level): the dashboard shows requests as
            // traces, and the live view's reads would add a dozen console lines per node and second.
            .WithEnvironment("Logging__LogLevel__Microsoft.AspNetCore", "Warning")
            .WithUrlForEndpoint(Extensions.EndpointName, _ => new ResourceUrlAnnotation { Url = "/scalar", DisplayText = "API reference" });
        if (_runMode)
        {
            node.WithArgs("--dev-faults", "true").WithFaultCommands();
        }

        return spare ? node.AsSpare(this) : node;
    }
}
