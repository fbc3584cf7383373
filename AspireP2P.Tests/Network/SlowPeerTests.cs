using System.Net;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

[Trait(Tier.Category, Tier.Network)]
public sealed class SlowPeerTests
{
    [Fact]
    public async Task StalledPeerNeverBlocksTheOthersAndLosesNothingButLags()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        await using var stalled = new StalledPeer();
        using var join = await network[1].PostPeerAsync(stalled.Address);
        Assert.Equal(HttpStatusCode.Created, join.StatusCode);

        const int Count = 200;
        var value = new string('v', 60_000);
        for (var i = 0; i < Count; i++)
        {
            using var response = await network[1].PostRecordAsync($"{i}:{value}");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        // The healthy neighbour gets every record although the stalled one holds its link's socket full.
        await Eventually.UntilAsync(async () => (await network[0].GetNodeInfoAsync()).GetProperty("records").GetInt32(), n => n == Count,
            Timeouts.Converge, $"node-0 to receive all {Count} records");

        // Records do not queue per peer: the stalled link's cursor just stays behind, visible as its lag (peer counters are
        // refreshed on the mesh's tick, so within a heartbeat interval). A peer that never reads also never answers pings,
        // so its link is closed after the ping deadline (5 s) and re-dialed: the backlog shows on whichever link is open.
        var stalledView = await Eventually.UntilAsync(() => PeerAsync(network[1], stalled.Address),
            p => p.GetProperty("lag").GetInt32() > 0 && p.GetProperty("state").GetString() == "Connected",
            Timeouts.Converge, "the stalled link to show its backlog");
        // It answered the upgrade without our headers: a tutorial node, which gets our records on a link we only send on.
        Assert.Equal("TutorialSend", stalledView.GetProperty("kind").GetString());
        Assert.Equal(0, await network[1].GetTotalAsync("dropped"));
    }

    private static async Task<JsonElement> PeerAsync(TestNode node, string address) =>
        (await node.GetPeerDetailsAsync()).GetProperty("peers").EnumerateArray().Single(p => p.GetProperty("address").GetString() == address);
}
