using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Peers;

/// <summary>
/// How a node names the peer a record came from, so no link sends it back there: the peer's log id when it
/// told us (our nodes do), else its listening address (the tutorial's nodes say it in HANDSHAKE).
/// </summary>
public static class PeerIdentity
{
    public static string? Of(string? nodeId, PeerAddress? address) =>
        nodeId ?? (address is { } known ? "addr:" + known.Key : null);
}
