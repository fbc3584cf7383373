using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>Multi-hop gossip: records cross every link of a chain, once.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class GossipTests
{
    [Theory]
    [InlineData(LinkTransport.WebSocket)]
    [InlineData(LinkTransport.InMemory)]
    public async Task FiveNodeChainConvergesFromEitherEndWithNoDuplicates(LinkTransport transport)
    {
        await using var network = await TestNetwork.StartChainAsync(transport, 5);

        using var fromTail = await network[4].PostRecordAsync("from-tail");
        using var fromHead = await network[0].PostRecordAsync("from-head");
        Assert.Equal(HttpStatusCode.Created, fromTail.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fromHead.StatusCode);

        await network.WaitForRecordsAsync("\"from-tail\"", "\"from-head\"");
        foreach (var node in network.Nodes)
        {
            var totals = (await node.GetNodeInfoAsync()).GetProperty("totals");
            // On a chain each node hears each record exactly once: from its neighbour on the origin's side.
            var published = totals.GetProperty("published").GetInt64();
            Assert.Equal(2 - published, totals.GetProperty("received").GetInt64());
            Assert.Equal(0, totals.GetProperty("duplicates").GetInt64());
            Assert.Equal(0, totals.GetProperty("dropped").GetInt64());
        }

        // A middle node sent each record on once, to the side it did not come from; an end sent only its own.
        Assert.Equal(2, await network[2].GetTotalAsync("sent"));
        Assert.Equal(1, await network[0].GetTotalAsync("sent"));
        await network.WaitForEqualDigestsAsync();
    }

    [Theory]
    [InlineData(LinkTransport.WebSocket)]
    [InlineData(LinkTransport.InMemory)]
    public async Task LateJoinerCatchesUpOnEverythingPostedBeforeItJoined(LinkTransport transport)
    {
        await using var network = await TestNetwork.StartChainAsync(transport, 2);
        var expected = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var node = network[i % 2];
            using var response = await node.PostRecordAsync($"early-{i}");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            expected.Add($"\"early-{i}\"");
        }

        await network.WaitForRecordsAsync([.. expected]);

        // A third node joins at the far end: the link's opening vectors show it lacks everything, and it gets everything.
        await network.AddNodeAsync("late", "--peers", network[1].Address);
        await network.WaitForRecordsAsync([.. expected]);
        await network.WaitForEqualDigestsAsync();
        // Each record crossed to it once: nothing it already had was sent again.
        Assert.Equal(30, await network[2].GetTotalAsync("received"));
        Assert.Equal(30, await network[2].GetTotalAsync("stored"));
        Assert.Equal(0, await network[2].GetTotalAsync("duplicates"));

        // And it is a full member from then on: live records flow both ways.
        using var fromLate = await network[2].PostRecordAsync("from the late node");
        using var toLate = await network[0].PostRecordAsync("to the late node");
        await network.WaitForRecordsAsync([.. expected, "\"from the late node\"", "\"to the late node\""]);
    }

    [Fact]
    public async Task RecordKeysAreUniqueAcrossNodes()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        var keys = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            foreach (var node in network.Nodes)
            {
                using var response = await node.PostRecordAsync(i);
                keys.Add((await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("key").GetString()!);
            }
        }

        Assert.Equal(keys.Count, keys.Distinct().Count());
        await Eventually.UntilAsync(network[0].GetRecordsRawAsync, r => r.Length == 10, Timeouts.Converge, "ten records at node-0");
        await Eventually.UntilAsync(network[1].GetRecordsRawAsync, r => r.Length == 10, Timeouts.Converge, "ten records at node-1");
    }

    [Fact]
    public async Task NodeRestartedEmptyUnderTheSameNameNeverReusesAKey()
    {
        // Without a data directory a node has a new key, hence a new id and a new feed, every run; its name is only a name.
        string firstKey, firstId;
        await using (var before = await TestNode.StartAsync("named", "--node-id", "node-7"))
        {
            using var response = await before.PostRecordAsync("first life");
            firstKey = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("key").GetString()!;
            firstId = (await before.GetNodeInfoAsync()).GetProperty("nodeId").GetString()!;
        }

        await using var after = await TestNode.StartAsync("named", "--node-id", "node-7");
        using var again = await after.PostRecordAsync("second life");
        var secondKey = (await again.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("key").GetString()!;
        var info = await after.GetNodeInfoAsync();

        Assert.Equal($"{firstId}-1", firstKey);
        Assert.Equal($"{info.GetProperty("nodeId").GetString()}-1", secondKey);
        Assert.NotEqual(firstKey, secondKey);
        Assert.Equal("node-7", info.GetProperty("name").GetString());
    }

    [Fact]
    public async Task TriangleStoresEachRecordOnceAndSuppressesTheSecondCopies()
    {
        await using var network = await TestNetwork.StartChainAsync(3);
        // Close the ring: node-0 also peers with node-2, so each record reaches some node twice.
        using var close = await network[0].PostPeerAsync(network[2].Address);
        Assert.Equal(HttpStatusCode.Created, close.StatusCode);
        await Eventually.UntilAsync(network[2].GetPeersAsync, p => p.Length == 2, Timeouts.Connect, "node-2 to link both neighbours");

        using var _ = await network[0].PostRecordAsync("around");
        await network.WaitForRecordsAsync("\"around\"");
        // node-0 sends it on both links; each other node relays it once, on the link it did not come on: four messages
        // for two stores, so two copies are suppressed. Where they land depends on which copy arrives first (usually at
        // node-1 and node-2; at node-0 when node-2's relay reaches node-1 before node-0's own copy does), never stored twice.
        var duplicates = await Eventually.UntilAsync(
            () => Task.WhenAll(network.Nodes.Select(n => n.GetTotalAsync("duplicates"))), d => d.Sum() == 2, Timeouts.Converge, "two suppressed copies");
        var sent = await Task.WhenAll(network.Nodes.Select(n => n.GetTotalAsync("sent")));
        Assert.Equal([2L, 1L, 1L], sent);
        Assert.All(duplicates, d => Assert.InRange(d, 0, 1));
        Assert.All(await Task.WhenAll(network.Nodes.Select(n => n.GetRecordsRawAsync())), records => Assert.Equal(["\"around\""], records));
    }

    [Fact]
    public async Task PostRecordAnswersWithTheTraceIdOfItsPropagation()
    {
        await using var network = await TestNetwork.StartChainAsync(1);
        using var response = await network[0].PostRecordAsync("traced");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Matches("^[0-9a-f]{32}$", body.GetProperty("traceId").GetString());
    }
}
