namespace AspireP2P.Hosting;

/// <summary>The node resources the AppHost declared (spares included), as the live view and the commands address them.</summary>
internal sealed class NetworkNodes
{
    private readonly List<NetworkNode> _nodes = [];

    public IReadOnlyList<NetworkNode> All => _nodes;

    public NetworkNode Add(IResourceWithEndpoints resource, bool spare, int? portOffset)
    {
        var node = new NetworkNode(resource, spare, portOffset);
        _nodes.Add(node);
        return node;
    }

    public bool Contains(IResource resource) => _nodes.Exists(n => ReferenceEquals(n.Resource, resource));

    /// <summary>The node a peer entry names: by the public address it announced, else by its display name (<c>--name</c>).</summary>
    public NetworkNode? Find(LinkedPeer peer) =>
        _nodes.Find(n => peer.Address is { } address && string.Equals(n.PublicAddress, address, StringComparison.OrdinalIgnoreCase))
        ?? _nodes.Find(n => n.Name == peer.Name);
}

/// <summary>One node resource and its public endpoint (the DCP proxy: its port survives restarts).</summary>
internal sealed class NetworkNode(IResourceWithEndpoints resource, bool spare, int? portOffset)
{
    public IResourceWithEndpoints Resource { get; } = resource;

    public string Name => Resource.Name;

    /// <summary>Declared with <c>--spares</c>: starts only when asked.</summary>
    public bool Spare { get; } = spare;

    /// <summary>Its public port is the network's base port plus this; null for an app that joined (its port is its own).</summary>
    public int? PortOffset { get; } = portOffset;

    public EndpointReference Endpoint { get; } = resource.GetEndpoint(Extensions.EndpointName);

    /// <summary><c>localhost:3031</c>: what the node announces in its handshake and its peers list it under.</summary>
    public string? PublicAddress => Endpoint.IsAllocated ? $"{Endpoint.Host}:{Endpoint.Port}" : null;

    public Uri? Url => Endpoint.IsAllocated ? new Uri(Endpoint.Url) : null;
}
