using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>A longer chain (<c>--nodes 5</c>): records cross four hops; a dashboard command breaks links and the chain heals.</summary>
[Trait(Tier.Category, Tier.Aspire)]
[Collection(AspireNetworks.Name)]
public sealed class FiveNodeNetworkTests(FiveNodeNetwork network) : IClassFixture<FiveNodeNetwork>
{
    [Fact]
    public async Task RecordPostedAtTheLastNodeReachesEveryNodeAlongTheChain()
    {
        for (var i = 0; i < network.NodeCount; i++)
        {
            await WaitForChainLinksAsync(i);
        }

        var value = $"five-node record {Guid.NewGuid():N}";
        await network.PostRecordAsync(network.NodeCount - 1, value);

        await network.WaitForRecordEverywhereAsync(r => r == value, $"'{value}'");
    }

    [Fact]
    public async Task DisconnectAllPeersCommandClosesTheFirstNodesLinksAndTheChainHeals()
    {
        var node = AspireNetwork.NodeName(0);
        await WaitForChainLinksAsync(0);

        var result = await network.App.ResourceCommands.ExecuteCommandAsync(node, "disconnect-all-peers", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        Assert.True(result.Success, result.Message);
        // node-0 had one link, with node-1, which dialed it (its bootstrap peer) and carries records both ways.
        using var answer = JsonDocument.Parse(result.Data!.Value);
        Assert.Equal(1, answer.RootElement.GetProperty("links").GetInt32());

        // node-1 keeps its bootstrap peer and re-dials it, and records flow again.
        await WaitForChainLinksAsync(0);
        await WaitForChainLinksAsync(1);
        var value = $"after reconnect {Guid.NewGuid():N}";
        await network.PostRecordAsync(network.NodeCount - 1, value);
        await network.WaitForRecordEverywhereAsync(r => r == value, $"'{value}'");
    }

    [Fact]
    public async Task RestartingAMiddleNodeFromTheDashboardLosesNothing()
    {
        var middle = AspireNetwork.NodeName(2);
        var before = $"before restart {Guid.NewGuid():N}";
        await network.PostRecordAsync(network.NodeCount - 1, before);
        await network.WaitForRecordEverywhereAsync(r => r == before, $"'{before}'");

        // The dashboard's own Restart: the node comes back empty (no --data-dir) under the same name and port.
        var restart = await network.App.ResourceCommands.ExecuteCommandAsync(middle, KnownResourceCommands.RestartCommand, TestContext.Current.CancellationToken).WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);
        Assert.True(restart.Success, restart.Message);
        var during = new[] { $"at the head {Guid.NewGuid():N}", $"at the tail {Guid.NewGuid():N}" };
        await network.PostRecordAsync(0, during[0]);
        await network.PostRecordAsync(network.NodeCount - 1, during[1]);
        await network.App.ResourceNotifications.WaitForResourceHealthyAsync(middle, WaitBehavior.WaitOnResourceUnavailable, TestContext.Current.CancellationToken).WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);

        // Its neighbours re-dial it and it catches up from both sides: every node ends with the same record set.
        foreach (var value in during.Append(before))
        {
            await network.WaitForRecordEverywhereAsync(r => r == value, $"'{value}'");
        }

        await Eventually.UntilAsync(
            () => Task.WhenAll(Enumerable.Range(0, network.NodeCount).Select(network.GetDigestAsync)),
            digests => digests.Distinct().Count() == 1, Timeouts.Converge, "every node to hold the same records");
    }

    private Task<string[]> WaitForChainLinksAsync(int index) =>
        Eventually.UntilAsync(
            () => network.GetPeersAsync(index), p => p.Order(StringComparer.Ordinal).SequenceEqual(network.ExpectedPeers(index)),
            Timeouts.Converge, $"the chain neighbours of {AspireNetwork.NodeName(index)}");
}
