using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>Links that drop come back by themselves, and carry on where they stopped.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class ReconnectTests
{
    [Fact]
    public async Task MiddleNodeThatDisconnectsEveryPeerIsRejoinedBothWays()
    {
        await using var network = await TestNetwork.StartChainAsync(3);

        using var disconnect = await network[1].Http.PostAsync("/api/peers/disconnect", null, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        disconnect.EnsureSuccessStatusCode();

        // node-2 re-dials node-1 (its --peers); node-1 re-dials node-0 (its own --peers, which "disconnect all" keeps):
        // disconnecting is a blip the chain heals from, a lasting cut is a partition.
        await Eventually.UntilAsync(network[1].GetPeersAsync, p => p.Order().SequenceEqual(new[] { network[0].WebSocketUrl, network[2].WebSocketUrl }.Order()),
            Timeouts.Connect, "node-1 to be linked to both neighbours again");
        using var fromTail = await network[2].PostRecordAsync("after the disconnect, from the tail");
        using var fromHead = await network[0].PostRecordAsync("after the disconnect, from the head");

        await network.WaitForRecordsAsync("\"after the disconnect, from the tail\"", "\"after the disconnect, from the head\"");
        await network.WaitForEqualDigestsAsync();
    }

    [Theory]
    [InlineData(LinkTransport.WebSocket)]
    [InlineData(LinkTransport.InMemory)]
    public async Task ReconnectSendsOnlyWhatThePeerMissed(LinkTransport transport)
    {
        await using var network = await TestNetwork.StartChainAsync(transport, 2);
        for (var i = 0; i < 50; i++)
        {
            using var _ = await network[1].PostRecordAsync($"before-{i}");
        }

        await Eventually.UntilAsync(() => network[0].GetTotalAsync("received"), n => n == 50, Timeouts.Converge, "node-0 to receive the first 50");
        using (var disconnect = await network[0].Http.PostAsync("/api/peers/disconnect", null, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken))
        {
            disconnect.EnsureSuccessStatusCode();
        }

        for (var i = 0; i < 10; i++)
        {
            using var _ = await network[1].PostRecordAsync($"during-{i}");
        }

        // node-1 re-dials its --peers; the new link's vectors show node-0 lacks the last 10 (or some of them, the rest
        // going live), and exactly those cross.
        await Eventually.UntilAsync(network[0].GetRecordsRawAsync, r => r.Length == 60, Timeouts.Converge, "node-0 to hold all 60");
        Assert.Equal(await network[1].GetDigestAsync(), await network[0].GetDigestAsync());
        Assert.Equal(60, await network[0].GetTotalAsync("received"));
        Assert.Equal(0, await network[0].GetTotalAsync("duplicates"));
        await Eventually.UntilAsync(async () => (await network[1].GetPeerDetailsAsync()).GetProperty("peers")[0].GetProperty("lag").GetInt64(), lag => lag == 0,
            Timeouts.Converge, "node-1's link to node-0 to have nothing left to send");
    }

    [Theory]
    [InlineData(LinkTransport.WebSocket)]
    [InlineData(LinkTransport.InMemory)]
    public async Task NodeThatComesBackEmptyIsRelinkedAndRefilled(LinkTransport transport)
    {
        await using var network = await TestNetwork.StartChainAsync(transport, 2, "--P2P:ReconnectMaxDelay=00:00:01");
        using (var posted = await network[0].PostRecordAsync("kept by the network"))
        {
            posted.EnsureSuccessStatusCode();
        }

        await network.WaitForRecordsAsync("\"kept by the network\"");
        var (first, second) = (network[0], network[1]);
        var port = first.Identity.Address.Port;

        // node-0 stops (its record log is in memory: it comes back empty, as a new node with a new id, on the same port).
        await network.StopAsync(first);
        await Eventually.UntilAsync(second.IsHealthyAsync, ok => !ok, Timeouts.Connect, "node-1 to notice its bootstrap peer is gone");
        var back = await network.AddNodeAsync("node-0-again", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // node-1 re-dials its --peers and refills the newcomer, which then takes part like any node.
        await Eventually.UntilAsync(second.IsHealthyAsync, Timeouts.Connect, "node-1 to re-dial its bootstrap peer");
        await Eventually.UntilAsync(back.GetRecordsRawAsync, r => r.SequenceEqual(["\"kept by the network\""]), Timeouts.Converge, "the restarted node to be refilled");
        Assert.NotEqual(first.Identity.Id, back.Identity.Id);
        using var fresh = await back.PostRecordAsync("from the new life");
        await Eventually.UntilAsync(second.GetRecordsRawAsync, r => r.Contains("\"from the new life\""), Timeouts.Converge, "node-1 to hear the restarted node");
    }
}
