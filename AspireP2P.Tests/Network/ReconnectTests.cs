using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>Links that drop come back by themselves, in both directions, and carry on where they stopped.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class ReconnectTests
{
    [Fact]
    public async Task MiddleNodeThatDisconnectsEveryPeerIsRejoinedBothWays()
    {
        await using var network = await TestNetwork.StartChainAsync(3);

        using var disconnect = await network[1].Http.PostAsync("/api/peers/disconnect", null, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        disconnect.EnsureSuccessStatusCode();

        // node-0 re-dials (its link was a dial-back) and introduces itself again; node-2 re-dials its bootstrap peer.
        await Eventually.UntilAsync(network[1].GetPeersAsync, p => p.Order().SequenceEqual(new[] { network[0].WebSocketUrl, network[2].WebSocketUrl }.Order()),
            Timeouts.Connect, "node-1 to be linked to both neighbours again");
        using var _ = await network[2].PostRecordAsync("after the disconnect");
        await network.WaitForRecordsAsync("\"after the disconnect\"");
    }

    [Fact]
    public async Task ReconnectSendsOnlyWhatThePeerMissed()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
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

        await Eventually.UntilAsync(() => network[0].GetDigestAsync(), d => d == "60:" + d.Split(':')[1], Timeouts.Converge, "node-0 to hold all 60");
        Assert.Equal(await network[1].GetDigestAsync(), await network[0].GetDigestAsync());
        // Resumed at the position node-0 had reached: the first 50 were not sent again.
        Assert.Equal(60, await network[0].GetTotalAsync("received"));
        Assert.Equal(0, await network[0].GetTotalAsync("duplicates"));
        var link = (await network[1].GetPeerDetailsAsync()).GetProperty("outbound")[0];
        Assert.Equal(0, link.GetProperty("lag").GetInt32());
    }
}
