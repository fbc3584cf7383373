using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Mesh;

public enum PeerState
{
    Connecting,
    Connected,
    Retrying,
}

/// <summary>A peer the mesh knows by address: why, its state, and when it is dialed next. Mesh loop only.</summary>
internal sealed class PeerEntry(PeerAddress address, PeerOrigin origin)
{
    public PeerAddress Address { get; } = address;

    public PeerOrigin Origin { get; set; } = origin;

    public NodeId NodeId { get; set; }

    public string? Name { get; set; }

    public PeerState State { get; set; } = PeerState.Connecting;

    public Link? Link { get; set; }

    public bool Dialing { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    public DateTimeOffset Since { get; set; }

    /// <summary>When its current link opened (a link that stays up past <see cref="DialScheduler.StableAfter"/> ends the failure streak).</summary>
    public DateTimeOffset? LinkedAt { get; set; }

    /// <summary>Refused because it is full; it named other peers, one of which is dialed in its place.</summary>
    public bool Full { get; set; }

    /// <summary>Dialed in place of a full bootstrap peer (or of a full stand-in): dialed even beyond the target.</summary>
    public bool StandIn { get; set; }

    /// <summary>Whether this node keeps a link to it (re-dials when it drops); a peer that only dialed us re-dials us instead.</summary>
    public bool Wanted => Origin is not PeerOrigin.Inbound;

    /// <summary>API calls waiting for this peer's dial; every one is answered, whatever becomes of the peer.</summary>
    public List<Waiter<ConnectOutcome>> Waiters { get; } = [];

    /// <summary>Answers every waiter and forgets them.</summary>
    public void Answer(ConnectOutcome outcome)
    {
        foreach (var waiter in Waiters)
        {
            waiter.Answer(outcome);
        }

        Waiters.Clear();
    }
}

public enum ConnectStatus
{
    Connected,
    AlreadyConnected,
    Self,

    /// <summary>One of our nodes said no, in our protocol (wrong network key, full, another version): its reason is kept.</summary>
    Refused,

    /// <summary>
    /// No link, and no node of ours said why: a closed port, something that is not a node, no answer in time. One answer
    /// for all of them, so POST /peer cannot be used to tell ports apart (the node's log has the detail).
    /// </summary>
    Unreachable,

    /// <summary>The dial was abandoned: the peer was disconnected by request while it was under way.</summary>
    Cancelled,

    /// <summary>This node cannot answer now (it is stopping, or its mesh loop failed on the request): the reason says which.</summary>
    Unavailable,
}

public readonly record struct ConnectOutcome(ConnectStatus Status, PeerAddress Address, string? Error = null);

/// <summary>A peer as GET /api/peers and the page show it.</summary>
public sealed record PeerView(
    string Address, string Url, string? NodeId, string? Name, PeerState State, string Direction, PeerOrigin Origin, string Kind,
    DateTimeOffset? Since, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, long Lag, long Sent, long Received, long Rejected);

/// <summary>Whether records can reach this node and leave it, and if not why (for /health and the dashboard).</summary>
public sealed record MeshHealth(bool Degraded, string? Reason, DateTimeOffset? Since);

/// <summary>What the mesh looks like now: replaced after every change by the mesh loop, read by anyone.</summary>
public sealed record MeshSnapshot(IReadOnlyList<PeerView> Peers, MeshHealth Health)
{
    public static MeshSnapshot Empty { get; } = new([], new MeshHealth(false, null, null));
}
