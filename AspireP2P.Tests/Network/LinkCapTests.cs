using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>A node at its cap of links dialed by others refuses the next one and names its peers to dial instead.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class LinkCapTests
{
    [Fact]
    public async Task ANodeRefusedByItsFullBootstrapPeerLinksToAPeerItNamedAndGetsItsRecords()
    {
        // MaxPeers 2 keeps one slot for the hub's own dials, so one node dialing it fills it.
        await using var network = await TestNetwork.StartUnconnectedAsync(1, "--P2P:MaxPeers", "2");
        var hub = network[0];
        var first = await network.AddNodeAsync("first", "--peers", hub.Address);
        await Eventually.UntilAsync(async () => hub.Core.Context.Links.Snapshot.Count, count => count == 1, Timeouts.Connect, "the first node to link to the hub");

        var late = await network.AddNodeAsync("late", "--peers", hub.Address);

        // The hub refused it (503) and named the first node (X-P2P-Peers), which the late node dialed in its place.
        await Eventually.UntilAsync(async () => late.Core.Context.Links.Snapshot.Select(l => l.PeerId).ToList(),
            peers => peers.Contains(first.Identity.Id), Timeouts.Connect, "the late node to link to the peer the full hub named");
        var hubRow = (await late.GetPeerDetailsAsync()).GetProperty("peers").EnumerateArray()
            .Single(p => p.GetProperty("address").GetString() == hub.Address);
        Assert.Contains("503", hubRow.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Single(hub.Core.Context.Links.Snapshot);
        Assert.True(await late.IsHealthyAsync(), "a node refused by a full bootstrap peer but linked elsewhere is healthy");

        using var posted = await hub.PostRecordAsync("past the full hub");
        await network.WaitForRecordsAsync("\"past the full hub\"");
    }
}
