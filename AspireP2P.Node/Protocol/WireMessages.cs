namespace AspireP2P.Node.Protocol;

/// <summary>
/// The wire protocol. The tutorial's nodes send and understand only <c>type</c> and <c>payload</c> (HANDSHAKE,
/// NEW_RECORD); every other field is an extension they ignore, and ours accept NEW_RECORDs that lack them (as
/// unsigned records). HELLO, HEARTBEAT and VECTOR travel only between our nodes. Append only: names are on the wire.
/// </summary>
public static class WireProtocol
{
    public const string Handshake = "HANDSHAKE";
    public const string NewRecord = "NEW_RECORD";

    /// <summary>Ours only, the dialer's first message on a link: its proofs (network key, identity).</summary>
    public const string Hello = "HELLO";

    /// <summary>Ours only, every heartbeat interval, both ways: liveness, the sender's digest, its backlog and a few of its peers.</summary>
    public const string Heartbeat = "HEARTBEAT";

    /// <summary>Ours only: what the sender holds, feed by feed, so the receiver can send exactly what it lacks (anti-entropy).</summary>
    public const string Vector = "VECTOR";

    /// <summary>Protocol versions this node speaks (<see cref="VersionHeader"/>). 1 was the unsigned protocol, no longer spoken.</summary>
    public const int MinVersion = 2;
    public const int MaxVersion = 2;

    /// <summary>Most peer addresses one HEARTBEAT may carry.</summary>
    public const int MaxExchangedPeers = 16;

    /// <summary>Longest record key accepted from the wire.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>Most feeds one VECTOR message may carry; a larger vector is sent in parts.</summary>
    public const int MaxFeedsPerVector = 512;

    /// <summary>Most gap ranges one feed's summary may carry.</summary>
    public const int MaxGapsPerFeed = 64;

    // WebSocket upgrade headers (request: the dialer's; response: the acceptor's). A node that sends none of them is
    // a tutorial node.
    public const string VersionHeader = "X-P2P-Version";
    public const string NodeIdHeader = "X-P2P-Node-Id";
    public const string PublicKeyHeader = "X-P2P-Key";
    public const string NonceHeader = "X-P2P-Nonce";
    public const string AddressHeader = "X-P2P-Address";
    public const string NameHeader = "X-P2P-Name";

    /// <summary>Request: ids of the network keys the dialer holds. Response: the one chosen.</summary>
    public const string NetworkKeysHeader = "X-P2P-Network-Keys";

    /// <summary>Response: the acceptor's network-key proof and identity signature over the link transcript.</summary>
    public const string ProofHeader = "X-P2P-Proof";
    public const string SignatureHeader = "X-P2P-Signature";

    /// <summary>
    /// Request: the trace context of the dialer's "connect" span. Not the standard <c>traceparent</c> header, which the
    /// HTTP client's own instrumentation overwrites with its request span (a span the node's telemetry leaves out).
    /// </summary>
    public const string TraceparentHeader = "X-P2P-Traceparent";

    /// <summary>Response to a refused upgrade: why, in one line the dialer shows.</summary>
    public const string RefusalHeader = "X-P2P-Refusal";

    /// <summary>
    /// Response to an upgrade refused because the node is full: a few of its peers' addresses (host:port, comma-separated)
    /// to dial instead, so a node that joins through a full one still joins (gossipsub's peer exchange on PRUNE).
    /// </summary>
    public const string AlternativesHeader = "X-P2P-Peers";
}
