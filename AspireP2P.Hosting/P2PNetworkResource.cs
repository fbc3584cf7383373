using AspireP2P.Hosting;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A network of AspireP2P nodes, and its row in the dashboard: in run mode the row says whether the nodes have converged
/// (State Converged or Diverging, the laggards and how far behind they are in its properties, each change in its
/// console log) and holds the network-wide commands (Heal all). The nodes are resources of their own, one per node.
/// Created by <see cref="P2PNetworkBuilderExtensions.AddP2PNetwork(IDistributedApplicationBuilder, string, int)"/>.
/// </summary>
public sealed class P2PNetworkResource : Resource
{
    internal P2PNetworkResource(string name, P2PNetworkOptions options, NodeSource source)
        : base(name)
    {
        Options = options;
        Source = source;
    }

    /// <summary>The resource type the dashboard shows for the network's row.</summary>
    public const string ResourceType = "P2PNetwork";

    /// <summary>The secret parameter every node requires on mutating HTTP calls (sent as <c>X-Api-Key</c>).</summary>
    public ParameterResource ApiKey => Room.Secrets.ApiKey.Resource;

    /// <summary>The secret parameter the nodes admit each other with: a peer without it is not admitted.</summary>
    public ParameterResource NetworkKey => Room.Secrets.NetworkKey.Resource;

    /// <summary>The node resources in the order they were declared: the nodes, then the spares, then the members that joined.</summary>
    public IReadOnlyList<IResourceWithEndpoints> Nodes => [.. Room.Nodes.All.Select(n => n.Resource)];

    internal P2PNetworkOptions Options { get; }

    internal NodeSource Source { get; }

    internal ControlRoom Room { get; set; } = null!;
}
