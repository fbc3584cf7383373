namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// The binary HEARTBEAT: liveness, the root fingerprint of what the sender holds (<see cref="Reconciliation.FeedSnapshot.Root"/>:
/// 16 bytes, where the JSON heartbeat's digest covered the vector), how many feeds and entries, its backlog to the
/// receiver, the records it received on this link, and a few peers. A root that differs from the receiver's brings the
/// next reconciliation session sooner; it never replaces the periodic one.
/// </summary>
public sealed record HeartbeatFrame(UInt128 Root, long Feeds, long Entries, long Lag, long Received, IReadOnlyList<PeerAddress> Peers);
