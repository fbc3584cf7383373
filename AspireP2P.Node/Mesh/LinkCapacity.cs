using AspireP2P.Node.Hosting;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// How many links of each kind a node takes. Two budgets that never borrow from each other:
/// <list type="bullet">
/// <item>peers (links with our nodes, identities proven in the handshake): <see cref="NodeOptions.MaxPeers"/>, of which links
/// others dial stop <c>min(max(TargetPeers, 1), MaxPeers / 2)</c> short, so a node that others fill up keeps slots for its
/// own dials;</item>
/// <item>strangers (links with anything that has not proven it is one of our nodes: the tutorial's nodes, in either
/// direction): <see cref="NodeOptions.MaxStrangerLinks"/>.</item>
/// </list>
/// So strangers, however many, never lock a node out of its peers. (Connections still in their handshake are bounded by
/// the acceptor; a stranger that breaks the protocol is closed and kept out for a while: <see cref="PenaltyBox"/>.)
/// </summary>
/// <summary>How many links of each budget are open.</summary>
internal readonly record struct LinkCounts(int Peers, int InboundPeers, int Strangers)
{
    public static LinkCounts Of(IEnumerable<Link> links)
    {
        int peers = 0, inbound = 0, strangers = 0;
        foreach (var link in links)
        {
            if (LinkCapacity.IsStranger(link.Kind))
            {
                strangers++;
            }
            else
            {
                peers++;
                inbound += link.Direction == LinkDirection.Inbound ? 1 : 0;
            }
        }

        return new(peers, inbound, strangers);
    }
}

internal sealed class LinkCapacity(NodeOptions options)
{
    /// <summary>Slots of <see cref="NodeOptions.MaxPeers"/> kept for links this node dials itself.</summary>
    public int Reserved => Math.Min(Math.Max(options.TargetPeers, 1), options.MaxPeers / 2);

    public static bool IsStranger(LinkKind kind) => kind is LinkKind.TutorialSend or LinkKind.TutorialReceive;

    /// <summary>Why one more link of this kind and direction cannot be taken now, or null when it can.</summary>
    public string? Problem(IEnumerable<Link> links, LinkKind kind, LinkDirection direction) => Problem(LinkCounts.Of(links), kind, direction);

    /// <summary>Why one more link of this kind and direction cannot be taken with these open, or null when it can.</summary>
    public string? Problem(LinkCounts open, LinkKind kind, LinkDirection direction)
    {
        if (IsStranger(kind))
        {
            return open.Strangers >= options.MaxStrangerLinks
                ? $"this node already has its maximum of {options.MaxStrangerLinks} links with nodes that do not speak its protocol (P2P:MaxStrangerLinks)"
                : null;
        }

        var max = options.MaxPeers;
        if (open.Peers >= max)
        {
            return $"this node already has its maximum of {max} links (P2P:MaxPeers)";
        }

        var reserved = Reserved;
        return direction == LinkDirection.Inbound && open.InboundPeers >= max - reserved
            ? $"this node already has its maximum of {max - reserved} links dialed by others (P2P:MaxPeers {max}, {reserved} kept for its own dials)"
            : null;
    }
}
