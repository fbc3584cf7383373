using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Transport;

/// <summary>How a dial ended.</summary>
public abstract record DialResult
{
    /// <summary>The link is open; <see cref="Headers"/> are the acceptor's upgrade-response headers (none from a tutorial node).</summary>
    public sealed record Connected(IPeerConnection Connection, IReadOnlyDictionary<string, string> Headers) : DialResult;

    /// <summary>The acceptor answered and said no (HTTP status and its reason).</summary>
    public sealed record Refused(int Status, string Reason) : DialResult;

    /// <summary>Nobody answered properly: refused connection, timeout, not a WebSocket endpoint.</summary>
    public sealed record Failed(string Error) : DialResult;
}

/// <summary>The transport seam: opens links to other nodes. Accepting is the node's <see cref="IUpgradeAcceptor"/>, which every transport calls.</summary>
public interface IPeerTransport
{
    Task<DialResult> DialAsync(PeerAddress address, IReadOnlyDictionary<string, string> headers, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>What the acceptor decided about an upgrade request.</summary>
public sealed record UpgradeDecision(int Status, string? Reason, IReadOnlyDictionary<string, string> ResponseHeaders, object? State = null)
{
    public bool Accepted => Status == 101;

    public static UpgradeDecision Refuse(int status, string reason) =>
        new(status, reason, new Dictionary<string, string> { [WireProtocol.RefusalHeader] = reason });
}

/// <summary>The node's side of accepting links, whatever the transport: judge the upgrade request, then run the accepted link.</summary>
public interface IUpgradeAcceptor
{
    UpgradeDecision Evaluate(IReadOnlyDictionary<string, string> requestHeaders, string remote);

    Task RunAcceptedAsync(IPeerConnection connection, UpgradeDecision decision, CancellationToken cancellationToken);
}
