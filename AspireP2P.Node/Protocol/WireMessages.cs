namespace AspireP2P.Node.Protocol;

/// <summary>
/// The wire protocol. The tutorial's nodes send and understand only <c>type</c> and <c>payload</c>;
/// every other field is an extension they ignore, and ours must accept messages that lack them.
/// Append only: field names and type strings are on the wire.
/// </summary>
public static class WireProtocol
{
    public const string Handshake = "HANDSHAKE";
    public const string NewRecord = "NEW_RECORD";

    /// <summary>
    /// Ours only: sent every heartbeat interval on links to nodes that announced a node id (never to the
    /// tutorial's nodes, which throw on unknown types). Carries liveness, the set digest and known peers.
    /// </summary>
    public const string Heartbeat = "HEARTBEAT";

    /// <summary>Version of the extension fields. 1: from/origin/ts/hops/traceparent, pos/sync, HEARTBEAT.</summary>
    public const int Version = 1;

    /// <summary>Most peer addresses one HEARTBEAT may carry.</summary>
    public const int MaxExchangedPeers = 16;

    /// <summary>Longest record key accepted from the wire.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>HTTP headers our nodes add to the WebSocket upgrade so each side learns the other's identity.</summary>
    public const string NodeIdHeader = "X-P2P-Node-Id";
    public const string AddressHeader = "X-P2P-Address";

    /// <summary>
    /// Both ways: the identity of the sender's record log. A node restarted without <c>--data-dir</c> keeps its node id
    /// if it was given one, but starts a new log: positions and "already has it" are about logs, not node ids.
    /// </summary>
    public const string LogIdHeader = "X-P2P-Log-Id";

    /// <summary>Acceptor → dialer: the dialer's log position to resume from (everything before it already arrived).</summary>
    public const string ResumeHeader = "X-P2P-Resume";

    /// <summary>Acceptor → dialer: the acceptor's set digest; equal digests mean nothing to catch up.</summary>
    public const string DigestHeader = "X-P2P-Digest";
}
