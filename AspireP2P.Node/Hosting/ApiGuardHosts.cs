using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// The host names the node answers to, for ASP.NET Core's host filtering: a request naming any other host (a DNS name
/// an attacker pointed at this machine: DNS rebinding) is refused with 400 before it reaches anything.
/// <list type="bullet">
/// <item>the listen host (<c>P2P:Host</c>) and the public address's host (<c>P2P:PublicAddress</c>, what peers dial);</item>
/// <item><c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c> when the node listens on loopback or on every interface;</item>
/// <item>on every interface (<c>0.0.0.0</c>, <c>::</c>), also this machine's name and its interfaces' addresses;</item>
/// <item><c>P2P:AllowedHosts</c>, where <c>*</c> turns the check off.</item>
/// </list>
/// </summary>
internal static class ApiGuardHosts
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];

    public static List<string> For(NodeOptions node, ApiSecurityOptions security)
    {
        if (security.AllowedHostList.Contains("*"))
        {
            return ["*"];
        }

        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var wildcard = ClientAddresses.IsWildcardHost(node.Host);
        if (!wildcard)
        {
            hosts.Add(Normalize(node.Host));
        }

        if (PeerAddress.TryParse(node.PublicAddress, out var publicAddress, out _))
        {
            hosts.Add(Normalize(publicAddress.Host));
        }

        if (wildcard || ClientAddresses.IsLoopbackHost(node.Host))
        {
            hosts.UnionWith(LoopbackNames);
        }

        if (wildcard)
        {
            hosts.Add(Environment.MachineName);
            hosts.UnionWith(InterfaceAddresses());
        }

        hosts.UnionWith(security.AllowedHostList.Select(Normalize));
        return [.. hosts];
    }

    /// <summary>IPv6 addresses in brackets, as they appear in a Host header (<c>[::1]:3030</c>); names as they are.</summary>
    private static string Normalize(string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            ip.ScopeId = 0;
            return $"[{ip}]";
        }

        return host;
    }

    private static List<string> InterfaceAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => Normalize(a.Address.ToString()))
                .ToList();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
