using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>
/// The tutorial's nodes cannot sign. What they send is adopted by the first of our nodes to receive it (permissive mode,
/// the default): it enters that node's feed, flagged as of unknown author, and spreads like any record. Strict nodes
/// (<c>--require-signatures true</c>) refuse it.
/// </summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class UnsignedRecordTests
{
    private const string TutorialRecord = "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k2x9f0a1b\",\"value\":\"from a tutorial node\"}}";

    [Fact]
    public async Task ATutorialNodesRecordIsAdoptedUnderItsOwnKeyAndSpreadsAsUnverified()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        await using var tutorial = await RawPeer.ConnectAsync(network[0]);

        await tutorial.SendTextAsync(TutorialRecord);

        await network.WaitForRecordsAsync("\"from a tutorial node\"");
        await network.WaitForEqualDigestsAsync();
        foreach (var (node, hops) in new[] { (network[0], 1), (network[1], 2) })
        {
            var record = (await RecordsAsync(node)).Single();
            Assert.Equal("k2x9f0a1b", record.GetProperty("key").GetString());
            Assert.True(record.GetProperty("unverified").GetBoolean(), $"{node.Name} shows the record as unverified");
            Assert.False(record.TryGetProperty("origin", out _), "an adopted record's author is unknown");
            Assert.Equal(hops, record.GetProperty("hops").GetInt32());
        }

        // The same record again, from the same or another tutorial node, is the same record.
        await tutorial.SendTextAsync(TutorialRecord);
        await using var another = await RawPeer.ConnectAsync(network[1]);
        await another.SendTextAsync(TutorialRecord);
        await Eventually.UntilAsync(() => network[1].GetTotalAsync("duplicates"), d => d == 1, Timeouts.Converge, "node-1 to recognise the record");
        await Eventually.UntilAsync(() => network[0].GetTotalAsync("duplicates"), d => d == 1, Timeouts.Converge, "node-0 to recognise the record");
        Assert.Equal(1, (await network[0].GetNodeInfoAsync()).GetProperty("records").GetInt32());
        Assert.Equal(1, (await network[1].GetNodeInfoAsync()).GetProperty("records").GetInt32());
    }

    [Fact]
    public async Task OneRecordAdoptedByTwoNodesApartIsShownOnceByBoth()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(2);
        await using var left = await RawPeer.ConnectAsync(network[0]);
        await using var right = await RawPeer.ConnectAsync(network[1]);
        await left.SendTextAsync(TutorialRecord);
        await right.SendTextAsync(TutorialRecord);
        await network.WaitForRecordsAsync("\"from a tutorial node\"");

        // Each witnessed it in its own feed; linked, each takes the other's entry too (their feeds must match) and still
        // shows one record.
        using var link = await network[0].PostPeerAsync(network[1].Address);
        link.EnsureSuccessStatusCode();
        await network.WaitForEqualDigestsAsync();
        await network.WaitForRecordsAsync("\"from a tutorial node\"");
        Assert.Equal(1, (await network[0].GetNodeInfoAsync()).GetProperty("records").GetInt32());
        Assert.Equal(2, network[0].Core.Store.Length);
        Assert.Equal(2, network[1].Core.Store.Length);
    }

    [Fact]
    public async Task AStrictNodeRefusesUnsignedRecordsAndKeepsTheLink()
    {
        await using var strict = await TestNode.StartAsync("strict", "--require-signatures", "true");
        await using var tutorial = await RawPeer.ConnectAsync(strict);

        await tutorial.SendTextAsync(TutorialRecord);
        await Eventually.UntilAsync(() => strict.GetTotalAsync("rejected"), r => r == 1, Timeouts.Converge, "the unsigned record to be refused");
        await tutorial.SendTextAsync(TutorialRecord.Replace("k2x9f0a1b", "another", StringComparison.Ordinal));
        await Eventually.UntilAsync(() => strict.GetTotalAsync("rejected"), r => r == 2, Timeouts.Converge, "the next one to be read and refused too");

        Assert.Empty(await strict.GetRecordsRawAsync());
        Assert.Equal(WebSocketState.Open, tutorial.State);
        Assert.True((await strict.GetNodeInfoAsync()).GetProperty("mode").GetProperty("requireSignatures").GetBoolean());
    }

    [Fact]
    public async Task AStrictNodeRefusesWhatAPermissiveNeighbourAdoptedButTakesItsSignedRecords()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        var permissive = network[0];
        var strict = await network.AddNodeAsync("strict", "--require-signatures", "true", "--peers", permissive.Address);
        await network.WaitUntilHealthyAsync();
        await using var tutorial = await RawPeer.ConnectAsync(permissive);

        await tutorial.SendTextAsync(TutorialRecord);
        await Eventually.UntilAsync(permissive.GetRecordsRawAsync, r => r.Length == 1, Timeouts.Converge, "the permissive node to adopt the record");
        using var signed = await permissive.PostRecordAsync("signed");

        // The link is ordered: once the signed record is in, the adopted one before it was read, and refused.
        await Eventually.UntilAsync(strict.GetRecordsRawAsync, r => r.SequenceEqual(["\"signed\""]), Timeouts.Converge, "the strict node to take the signed record");
        Assert.True(await strict.GetTotalAsync("rejected") >= 1);
        Assert.Equal(["\"from a tutorial node\"", "\"signed\""], await permissive.GetRecordsRawAsync());
    }

    private static async Task<JsonElement[]> RecordsAsync(TestNode node) =>
        [.. (await node.Http.GetFromJsonAsync<JsonElement>("/api/records").WaitAsync(Timeouts.Request)).GetProperty("items").EnumerateArray()];
}
