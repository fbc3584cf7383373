namespace Aspire.Hosting.ApplicationModel;

/// <summary>Marks a resource as a node of a P2P network: test helpers and tools find the nodes by it.</summary>
/// <param name="network">The name of the network's resource.</param>
/// <param name="spare">Declared as a spare: it starts only when asked.</param>
/// <param name="hostsNode">An app that hosts the node as a library (it joined with <c>JoinP2PNetwork</c>), not a node process.</param>
public sealed class P2PNodeAnnotation(string network, bool spare, bool hostsNode) : IResourceAnnotation
{
    /// <summary>The name of the network's resource.</summary>
    public string Network { get; } = network;

    /// <summary>Declared as a spare: it starts only when asked.</summary>
    public bool Spare { get; } = spare;

    /// <summary>An app that hosts the node as a library, not a node process.</summary>
    public bool HostsNode { get; } = hostsNode;
}
