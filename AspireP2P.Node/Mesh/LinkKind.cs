namespace AspireP2P.Node.Mesh;

/// <summary>What a link carries, which follows from who is at the other end.</summary>
public enum LinkKind
{
    /// <summary>One of our nodes: one link per pair, records and control messages both ways.</summary>
    Peer,

    /// <summary>We dialed a tutorial node: as in the tutorial, we only send on it (HANDSHAKE, then NEW_RECORDs).</summary>
    TutorialSend,

    /// <summary>A tutorial node dialed us: it only sends on it (its HANDSHAKE and its records); we answer by dialing back.</summary>
    TutorialReceive,
}

public enum LinkDirection
{
    Outbound,
    Inbound,
}

/// <summary>Why a peer is known: named on the command line, added through the API, dialed back after a tutorial node's HANDSHAKE, learned by peer exchange, or it dialed us.</summary>
public enum PeerOrigin
{
    Bootstrap,
    Api,
    ConnectBack,
    Exchange,
    Inbound,
}
