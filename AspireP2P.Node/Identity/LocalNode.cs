using AspireP2P.Node.Protocol;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Identity;

/// <summary>
/// Who this node is to its peers: its id and keys, its display name, the address peers dial (known only once the server
/// listens, hence resolved on first use), the network keys it holds and whether it requires signed records.
/// </summary>
public sealed class LocalNode(NodeKeys keys, string? name, Func<PeerAddress> resolveAddress, NetworkKeyring keyring, bool requireSignatures)
{
    // Lazy, not a nullable field: the address is a struct of three fields, and a nullable one written on one thread could
    // be read half-written on another (seen: the mesh loop read a Host of null while a request resolved the address).
    private readonly Lazy<PeerAddress> _address = new(resolveAddress, LazyThreadSafetyMode.PublicationOnly);

    public NodeId Id => keys.Id;

    public NodeKeys Keys => keys;

    /// <summary>A display name (<c>--name node-2</c>); ids are for machines, names for people.</summary>
    public string? Name => name;

    public PeerAddress Address => _address.Value;

    public NetworkKeyring Keyring => keyring;

    public bool RequireSignatures => requireSignatures;

    /// <summary>The name if there is one, else the short id: what log lines call this node.</summary>
    public string Label => name ?? Id.Abbreviated;
}
