using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Membership;

/// <summary>A node as membership knows it: its proven id and where it listens.</summary>
public readonly record struct Member(NodeId Id, PeerAddress Address);

/// <summary>A membership message of the HyParView protocol, carried on links between our nodes.</summary>
public abstract record MembershipMessage;

/// <summary>A new node, on its first link, asks its contact to let it in.</summary>
public sealed record JoinMessage : MembershipMessage;

/// <summary>A join on its random walk: the node where it ends (or a node on the way, at <see cref="TimeToLive"/> = the passive walk length) takes the joiner in.</summary>
public sealed record ForwardJoinMessage(Member Joiner, int TimeToLive) : MembershipMessage;

/// <summary>"I dropped you from my active view": the link closes, and each keeps the other as a passive member.</summary>
public sealed record DisconnectMessage : MembershipMessage;

/// <summary>
/// A sample of the origin's views on a random walk (HyParView's SHUFFLE). <see cref="Id"/> lets the reply travel the
/// walk back, hop by hop, over links that exist, rather than over a new connection.
/// </summary>
public sealed record ShuffleMessage(ulong Id, Member Origin, int TimeToLive, IReadOnlyList<Member> Sample) : MembershipMessage;

/// <summary>The sample sent back to a shuffle's origin, travelling the walk's reverse path.</summary>
public sealed record ShuffleReplyMessage(ulong Id, IReadOnlyList<Member> Sample) : MembershipMessage;
