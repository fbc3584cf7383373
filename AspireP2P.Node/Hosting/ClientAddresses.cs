using System.Net;

namespace AspireP2P.Node.Hosting;

/// <summary>Where a request comes from and where the node listens, as the API guard needs to know it.</summary>
internal static class ClientAddresses
{
    private static readonly string[] WildcardHosts = ["0.0.0.0", "::", "[::]", "*", "+"];

    /// <summary>A listen host that only this machine can reach: <c>localhost</c> or a loopback address.</summary>
    public static bool IsLoopbackHost(string? host) =>
        host is not null
        && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>A listen host that means "every interface".</summary>
    public static bool IsWildcardHost(string? host) => host is not null && WildcardHosts.Contains(host);

    /// <summary>
    /// The request comes from this machine: its connection is from a loopback address and it carries no forwarding
    /// header (a reverse proxy on this machine forwarding other machines' requests is not "this machine").
    /// </summary>
    public static bool IsLocal(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip
        && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)
        && !context.Request.Headers.ContainsKey("X-Forwarded-For")
        && !context.Request.Headers.ContainsKey("Forwarded");

    /// <summary>
    /// The client a rate limit is kept for: its IPv4 address, or its IPv6 /64 (one host usually owns a whole /64,
    /// so counting single IPv6 addresses would let it rotate out of its limit).
    /// </summary>
    public static IPAddress PartitionOf(HttpContext context)
    {
        var ip = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (ip.IsIPv4MappedToIPv6)
        {
            return ip.MapToIPv4();
        }

        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return ip;
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
