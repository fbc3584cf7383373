using System.Net;
using System.Net.Sockets;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// Which addresses this node may dial when it learned them from a peer (peer exchange): by default loopback, private and
/// link-local networks, and the hosts named in <c>--peers</c>; <c>P2P:DialAllow</c> adds networks (CIDR) or host names
/// (<c>*</c>: anywhere). Addresses a user gives (flags, POST /peer) are always dialed: the user chose them.
/// </summary>
public sealed class DialPolicy
{
    private static readonly string[] DefaultNetworks = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "fc00::/7", "fe80::/10"];

    private readonly List<IPNetwork> _networks = [];
    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase) { "localhost" };
    private readonly bool _anywhere;

    public DialPolicy(IEnumerable<string> allow, IEnumerable<PeerAddress> configuredPeers)
    {
        foreach (var entry in DefaultNetworks.Concat(allow))
        {
            if (entry == "*")
            {
                _anywhere = true;
            }
            else if (IPNetwork.TryParse(entry, out var network))
            {
                _networks.Add(network);
            }
            else
            {
                _hosts.Add(entry);
            }
        }

        foreach (var peer in configuredPeers)
        {
            _hosts.Add(peer.Host.Trim('[', ']'));
        }
    }

    public bool Allows(PeerAddress address)
    {
        var host = address.Host.Trim('[', ']');
        if (_anywhere || _hosts.Contains(host))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var ip)
            && (ip.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            && _networks.Any(n => n.Contains(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip));
    }
}
