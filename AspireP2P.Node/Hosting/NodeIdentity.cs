using System.Security.Cryptography;
using AspireP2P.Node.Protocol;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Hosting;

/// <summary>Who this node is: its id and the address peers dial. The address is known once the server listens.</summary>
public sealed class NodeIdentity(IOptions<NodeOptions> options, IServer server)
{
    private PeerAddress? _address;

    public string NodeId { get; } = string.IsNullOrWhiteSpace(options.Value.NodeId)
        ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))
        : options.Value.NodeId;

    /// <summary>The address sent in HANDSHAKE (<c>host:port</c>).</summary>
    public PeerAddress Address => _address ??= ResolveAddress();

    private PeerAddress ResolveAddress()
    {
        if (PeerAddress.TryParse(options.Value.PublicAddress, out var configured, out _))
        {
            return configured;
        }

        // Port 0 means "any free port": only the running server knows which one it got.
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (bound is not null && PeerAddress.TryParse(bound, out var listening, out _))
        {
            return listening.Host is "0.0.0.0" or "[::]" or "+" or "*" ? listening with { Host = "127.0.0.1" } : listening;
        }

        return new PeerAddress(options.Value.Host, options.Value.Port, Secure: false);
    }
}
