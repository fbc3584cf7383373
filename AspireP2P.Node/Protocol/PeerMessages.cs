using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;

namespace AspireP2P.Node.Protocol;

/// <summary>Why an inbound message was refused; <see cref="RejectReasons.Tag"/> is the <c>reason</c> tag of the rejection counter.</summary>
public enum RejectReason
{
    MalformedJson,
    BinaryFrame,
    Oversize,
    UnknownType,
    InvalidHandshake,
    InvalidRecord,
    InvalidHeartbeat,
    InvalidVector,
    InvalidHello,

    /// <summary>A message this link's kind never carries (e.g. HEARTBEAT from a tutorial node, a second HELLO).</summary>
    UnexpectedMessage,

    /// <summary>The signature does not match the record's bytes.</summary>
    BadSignature,

    /// <summary>The record's key or public key names another origin than the one that signed it.</summary>
    WrongOrigin,

    /// <summary>An unsigned record, refused because the node requires signatures (strict mode).</summary>
    UnsignedRecord,

    /// <summary>The node cannot store records right now (its record log failed, or too much waits to be stored).</summary>
    StoreUnavailable,

    /// <summary>A record of a feed this node has never held, beyond the link's rate of new feeds (P2P:NewOriginsPerSecond).</summary>
    RateLimited,
}

public static class RejectReasons
{
    public static string Tag(this RejectReason reason) => reason switch
    {
        RejectReason.MalformedJson => "malformed_json",
        RejectReason.BinaryFrame => "binary_frame",
        RejectReason.Oversize => "oversize",
        RejectReason.UnknownType => "unknown_type",
        RejectReason.InvalidHandshake => "invalid_handshake",
        RejectReason.InvalidRecord => "invalid_record",
        RejectReason.InvalidHeartbeat => "invalid_heartbeat",
        RejectReason.InvalidVector => "invalid_vector",
        RejectReason.InvalidHello => "invalid_hello",
        RejectReason.UnexpectedMessage => "unexpected_message",
        RejectReason.BadSignature => "bad_signature",
        RejectReason.WrongOrigin => "wrong_origin",
        RejectReason.UnsignedRecord => "unsigned",
        RejectReason.StoreUnavailable => "store_unavailable",
        RejectReason.RateLimited => "rate_limited",
        _ => reason.ToString(),
    };
}

public abstract record PeerMessage;

/// <summary>The tutorial's HANDSHAKE: "dial me back at this address".</summary>
public sealed record HandshakeMessage(PeerAddress Address, string? Traceparent, string? Tracestate) : PeerMessage;

/// <summary>
/// NEW_RECORD. From a tutorial node only key and value are set (an unsigned record); from ours, the signed entry's
/// fields too (<see cref="Feed"/>).
/// </summary>
public sealed record RecordMessage(string Key, byte[] Value, FeedFields? Feed, int Hops, bool Sync, string? Traceparent, string? Tracestate) : PeerMessage;

/// <summary>The fields an origin signed, and the signature with what checks it.</summary>
public sealed record FeedFields(
    NodeId Origin, long Seq, long CreatedAtMs, EntryTraits Flags, byte[] Signature, byte[] PublicKey, byte[] Proof, int LeafIndex, int LeafCount);

/// <summary>The dialer's first message: its network-key proof (when the network has keys) and its identity signature.</summary>
public sealed record HelloMessage(byte[]? Proof, byte[] Signature) : PeerMessage;

/// <summary>
/// Liveness, what the sender holds (digest and record count), its backlog to us, how many NEW_RECORDs it has received
/// from us on this link (<see cref="Received"/>), and some of its peers.
/// </summary>
public sealed record HeartbeatMessage(FeedDigest Digest, long Records, long Lag, long Received, IReadOnlyList<PeerAddress> Peers) : PeerMessage;

/// <summary>
/// What the sender holds, feed by feed; a large vector comes in parts, the last one flagged. A full vector lists every
/// feed (one not listed is one the sender has none of); a delta lists only the feeds that changed since the sender's
/// previous vector on this link. <see cref="Received"/> is how many NEW_RECORDs the sender had received on this link
/// when it wrote the vector, so the receiver does not send again what is still in flight.
/// </summary>
public sealed record VectorMessage(long Received, FeedDigest Digest, bool Full, bool Last, IReadOnlyList<FeedSummary> Feeds) : PeerMessage;

public readonly record struct DecodeResult(PeerMessage? Message, RejectReason Reason, string? Detail)
{
    public static DecodeResult Reject(RejectReason reason, string detail) => new(null, reason, detail);
}
