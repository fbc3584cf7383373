using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// Everything that changes the mesh is one of these, handled in order by the mesh loop: typed events, not closures, so
/// the loop's input can be read, counted and answered (an event that carries a waiter is answered even when the loop
/// stops before handling it).
/// </summary>
internal abstract record MeshEvent
{
    /// <summary>Answers the waiter this event carries, if any, without handling it (the node is stopping).</summary>
    public virtual void Abandon(string reason)
    {
    }
}

/// <summary>The heartbeat interval passed: liveness, heartbeats, anti-entropy, re-dials, peer exchange, health.</summary>
internal sealed record MeshTick : MeshEvent;

/// <summary>A re-dial came due before the next tick.</summary>
internal sealed record RedialDue : MeshEvent;

/// <summary>A peer to keep linked (named at start, asked for through the API, a tutorial node to dial back).</summary>
internal sealed record WantPeer(PeerAddress Address, PeerOrigin Origin, Waiter<ConnectOutcome>? Waiter) : MeshEvent
{
    public override void Abandon(string reason) => Waiter?.Answer(new ConnectOutcome(ConnectStatus.Unavailable, Address, reason));
}

/// <summary>An accepted link whose HELLO checked out (or a tutorial node's).</summary>
internal sealed record LinkAccepted(Link Link) : MeshEvent
{
    public override void Abandon(string reason) => Link.Refuse(LinkCloseKind.Stopping, reason);
}

/// <summary>A dial this loop started has ended.</summary>
internal sealed record DialEnded(PeerEntry Entry, DialAttempt Attempt) : MeshEvent
{
    public override void Abandon(string reason)
    {
        if (Attempt is DialAttempt.Opened opened)
        {
            opened.Link.Refuse(LinkCloseKind.Stopping, reason);
        }
    }
}

/// <summary>A peer's heartbeat (its peers, for peer exchange).</summary>
internal sealed record HeartbeatHeard(Link Link, HeartbeatMessage Heartbeat) : MeshEvent;

/// <summary>A tutorial node's HANDSHAKE: "dial me back".</summary>
internal sealed record HandshakeHeard(Link Link, HandshakeMessage Handshake) : MeshEvent;

/// <summary>A link ended, and why.</summary>
internal sealed record LinkEnded(Link Link, LinkClose Close) : MeshEvent;

/// <summary>Close every link and forget the peers this node dialed (except those named at start).</summary>
internal sealed record DisconnectAll(Waiter<int> Waiter) : MeshEvent
{
    public override void Abandon(string reason) => Waiter.Answer(0);
}

/// <summary>Close the link to one peer and forget it.</summary>
internal sealed record DisconnectPeer(PeerAddress Address, Waiter<bool> Waiter) : MeshEvent
{
    public override void Abandon(string reason) => Waiter.Answer(false);
}

/// <summary>A disconnect waited long enough for its links to end: it is answered now.</summary>
internal sealed record DisconnectDeadline(long Request) : MeshEvent;

/// <summary>Injected faults changed (the health view shows them).</summary>
internal sealed record FaultsChanged : MeshEvent;

/// <summary>The node is stopping: close every link.</summary>
internal sealed record StopLinks(Waiter<int> Waiter) : MeshEvent
{
    public override void Abandon(string reason) => Waiter.Answer(0);
}
