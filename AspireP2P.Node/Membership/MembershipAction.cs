namespace AspireP2P.Node.Membership;

/// <summary>What the membership policy asks its owner (the mesh) to do; the owner reports each outcome back.</summary>
public abstract record MembershipAction;

/// <summary>
/// Dial this member. High priority (this node has no active link): the other side accepts even when full, evicting one
/// of its own (HyParView's high-priority NEIGHBOR, sent in the upgrade). The outcome comes back as
/// <see cref="MembershipPolicy.Connected"/>, <see cref="MembershipPolicy.ConnectRefused"/> or <see cref="MembershipPolicy.ConnectFailed"/>.
/// </summary>
public sealed record ConnectAction(Member Peer, bool HighPriority) : MembershipAction;

/// <summary>Send a membership message on the link to this member.</summary>
public sealed record SendAction(Member Peer, MembershipMessage Message) : MembershipAction;

/// <summary>Close the link to this member once what is queued on it is sent.</summary>
public sealed record CloseAction(Member Peer) : MembershipAction;
