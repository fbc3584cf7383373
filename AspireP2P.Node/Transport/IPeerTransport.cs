using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Transport;

/// <summary>How a dial ended.</summary>
public abstract record DialResult
{
    /// <summary>The link is open; <see cref="Headers"/> are the acceptor's upgrade-response headers (none from a tutorial node).</summary>
    public sealed record Connected(IPeerConnection Connection, IReadOnlyDictionary<string, string> Headers) : DialResult;

    /// <summary>The acceptor answered and said no (HTTP status and its reason), perhaps naming peers to dial instead.</summary>
    public sealed record Refused(int Status, string Reason, IReadOnlyList<PeerAddress> Alternatives) : DialResult
    {
        public static Refused From(int status, string reason, IReadOnlyDictionary<string, string> headers) =>
            new(status, reason, headers.TryGetValue(WireProtocol.AlternativesHeader, out var list) ? ParseAlternatives(list) : []);

        public static IReadOnlyList<PeerAddress> ParseAlternatives(string list) =>
        [
            .. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Take(WireProtocol.MaxExchangedPeers)
                .Select(text => PeerAddress.TryParse(text, out var address, out _) ? address : (PeerAddress?)null)
                .OfType<PeerAddress>(),
        ];
    }

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

    /// <summary>Refused for now, with peers to dial instead (<see cref="WireProtocol.AlternativesHeader"/>).</summary>
    public static UpgradeDecision Refuse(int status, string reason, IReadOnlyList<PeerAddress> alternatives) =>
        alternatives.Count == 0
            ? Refuse(status, reason)
            : new(status, reason, new Dictionary<string, string>
            {
                [WireProtocol.RefusalHeader] = reason,
                [WireProtocol.AlternativesHeader] = string.Join(",", alternatives),
            });
}

/// <summary>The node's side of accepting links, whatever the transport: judge the upgrade request, then run the accepted link.</summary>
public interface IUpgradeAcceptor
{
    UpgradeDecision Evaluate(IReadOnlyDictionary<string, string> requestHeaders, string remote);

    Task RunAcceptedAsync(IPeerConnection connection, UpgradeDecision decision, CancellationToken cancellationToken);
}
