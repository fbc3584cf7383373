using AspireP2P.Node.Hosting;
using AspireP2P.Node.Mesh;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// Links have two budgets that never borrow from each other. Issue 20, case 2: fifteen strangers could hold every slot and
/// a real node that dialed got 503 "maximum of 16 links".
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class LinkCapacityTests
{
    private static readonly LinkCapacity Capacity = new(new NodeOptions { MaxPeers = 16, MaxStrangerLinks = 8, TargetPeers = 0 });

    [Fact]
    public void StrangersAtTheirCapDoNotTakeAPeersSlot()
    {
        var full = new LinkCounts(Peers: 0, InboundPeers: 0, Strangers: 8);

        Assert.Contains("P2P:MaxStrangerLinks", Capacity.Problem(full, LinkKind.TutorialReceive, LinkDirection.Inbound));
        Assert.Contains("P2P:MaxStrangerLinks", Capacity.Problem(full, LinkKind.TutorialSend, LinkDirection.Outbound));
        Assert.Null(Capacity.Problem(full, LinkKind.Peer, LinkDirection.Inbound));
        Assert.Null(Capacity.Problem(full, LinkKind.Peer, LinkDirection.Outbound));
    }

    [Fact]
    public void PeersAtTheirCapDoNotTakeAStrangersSlot()
    {
        var full = new LinkCounts(Peers: 16, InboundPeers: 15, Strangers: 0);

        Assert.Contains("maximum of 16 links", Capacity.Problem(full, LinkKind.Peer, LinkDirection.Outbound));
        Assert.Null(Capacity.Problem(full, LinkKind.TutorialReceive, LinkDirection.Inbound));
    }

    [Fact]
    public void LinksOthersDialStopShortOfTheCapSoTheNodeCanStillDial()
    {
        // Target 0 keeps one slot (at least one is always kept) for the node's own dials.
        var inboundFull = new LinkCounts(Peers: 15, InboundPeers: 15, Strangers: 0);

        Assert.Equal(1, Capacity.Reserved);
        Assert.Contains("dialed by others", Capacity.Problem(inboundFull, LinkKind.Peer, LinkDirection.Inbound));
        Assert.Null(Capacity.Problem(inboundFull, LinkKind.Peer, LinkDirection.Outbound));
        Assert.Equal(4, new LinkCapacity(new NodeOptions { MaxPeers = 16, TargetPeers = 4 }).Reserved);
        Assert.Equal(2, new LinkCapacity(new NodeOptions { MaxPeers = 4, TargetPeers = 3 }).Reserved);
    }
}
