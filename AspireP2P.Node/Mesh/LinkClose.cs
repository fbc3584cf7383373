namespace AspireP2P.Node.Mesh;

/// <summary>Why a link ended, as counted (<c>p2p.links{event=closed, reason}</c>); the detail goes to the log and the peer table.</summary>
public enum LinkCloseKind
{
    /// <summary>This node closed it on request (disconnect) or by rule (a duplicate, a replaced link, capacity).</summary>
    Requested,

    /// <summary>The peer closed it, or the connection was lost.</summary>
    PeerClosed,

    /// <summary>The peer sent nothing for the heartbeat timeout.</summary>
    Silent,

    /// <summary>Writing to the connection failed.</summary>
    SendFailed,

    /// <summary>Its reader or writer threw something unexpected: the link is closed rather than left half alive.</summary>
    InternalError,

    /// <summary>The peer kept sending frames that break the protocol: closed, and its next link refused for a while.</summary>
    Misbehaving,

    /// <summary>The node is stopping.</summary>
    Stopping,
}

/// <summary>How a link ended: a kind for counters and decisions, a detail for people.</summary>
public sealed record LinkClose(LinkCloseKind Kind, string Detail)
{
    public string Tag => Kind switch
    {
        LinkCloseKind.Requested => "requested",
        LinkCloseKind.PeerClosed => "peer_closed",
        LinkCloseKind.Silent => "silent",
        LinkCloseKind.SendFailed => "send_failed",
        LinkCloseKind.InternalError => "internal_error",
        LinkCloseKind.Misbehaving => "misbehaving",
        LinkCloseKind.Stopping => "stopping",
        _ => "other",
    };

    public override string ToString() => Detail;
}
