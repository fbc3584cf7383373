using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>The tutorial's own walkthrough (Part IV), on three real nodes over loopback.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class TutorialWalkthroughTests
{
    [Fact]
    public async Task ThreeNodesPeerThroughTheApiAndShareTwoRecords()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(3);
        var (first, second, third) = (network[0], network[1], network[2]);

        using var addSecond = await first.PostPeerAsync(second.Address);
        using var addThird = await first.PostPeerAsync(third.Address);
        Assert.Equal(HttpStatusCode.Created, addSecond.StatusCode);
        Assert.Equal($"New Peer: '{second.WebSocketUrl}'", (await addSecond.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.Created, addThird.StatusCode);

        using var hello = await first.PostRecordAsync("hello");
        using var world = await first.PostRecordAsync("world");
        Assert.Equal(HttpStatusCode.Created, hello.StatusCode);
        Assert.Equal("New Record: 'hello'", (await hello.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("message").GetString());

        await Eventually.UntilAsync(second.GetRecordsRawAsync, r => r.Length == 2, Timeouts.Converge, "the second node to hold both records");
        await Eventually.UntilAsync(third.GetRecordsRawAsync, r => r.Length == 2, Timeouts.Converge, "the third node to hold both records");
        Assert.Equal(["\"hello\"", "\"world\""], await second.GetRecordsRawAsync());
        Assert.Equal(["\"hello\"", "\"world\""], await third.GetRecordsRawAsync());
        Assert.Equal(["\"hello\"", "\"world\""], await first.GetRecordsRawAsync());
    }

    [Fact]
    public async Task GetPeersListsWebSocketUrlsOfConnectedPeers()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(2);
        Assert.Empty(await network[0].GetPeersAsync());

        using var _ = await network[0].PostPeerAsync("http://" + network[1].Address);

        Assert.Equal([network[1].WebSocketUrl], await network[0].GetPeersAsync());
        // Between two of our nodes one link carries records both ways: the second node sends on the first node's link.
        await Eventually.UntilAsync(network[1].GetPeersAsync, p => p.SequenceEqual([network[0].WebSocketUrl]), Timeouts.Connect,
            "the second node to send to the first");
    }

    [Fact]
    public async Task RecordsKeepInsertionOrderAndAnyJsonValue()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        object[] values = ["text", 42, false, 0, "", new[] { 1, 2 }, new { nested = new { ok = true } }];
        foreach (var value in values)
        {
            using var response = await network[0].PostRecordAsync(value);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        string[] expected = ["\"text\"", "42", "false", "0", "\"\"", "[1,2]", "{\"nested\":{\"ok\":true}}"];
        await Eventually.UntilAsync(network[1].GetRecordsRawAsync, r => r.Length == expected.Length, Timeouts.Converge, "all records at the peer");
        Assert.Equal(expected, await network[0].GetRecordsRawAsync());
        Assert.Equal(expected, await network[1].GetRecordsRawAsync());
    }
}
