using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// The AppHost's network runs strict (signed records only) and admits only nodes that hold its network key: a node
/// started by hand next to it, without the key or with another one, cannot join it (issue 9); with the key it can.
/// </summary>
[Trait(Tier.Category, Tier.Aspire)]
[Collection(AspireNetworks.Name)]
public sealed class NetworkTrustTests(TrustNetwork network, ITestOutputHelper output) : IClassFixture<TrustNetwork>
{
    [Fact]
    public async Task EveryNodeRunsStrictWithTheNetworkKeyAndTheNodesAreLinkedThroughIt()
    {
        for (var i = 0; i < network.NodeCount; i++)
        {
            using var http = network.CreateClient(i);
            var mode = (await NodeInfoAsync(http)).GetProperty("mode");
            Assert.True(mode.GetProperty("requireSignatures").GetBoolean(), $"{AspireNetwork.NodeName(i)} accepts unsigned records");
            Assert.True(mode.GetProperty("networkKey").GetBoolean(), $"{AspireNetwork.NodeName(i)} admits peers without a network key");
        }

        // node-1 dialed node-0 (--peers) holding the key: admitted.
        using var node1 = network.CreateClient(1);
        var peers = await Eventually.UntilAsync(
            () => PeersAsync(node1), p => p.Any(e => IsConnectedTo(e, network.Endpoint(0).Authority)), Timeouts.Converge,
            "node-1's link to node-0");
        Assert.Contains(peers, e => IsConnectedTo(e, network.Endpoint(0).Authority));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-network-s-key")]
    public async Task NodeStartedByHandWithoutTheKeyIsRefusedAndNeverListed(string? networkKey)
    {
        await using var outsider = await TestNode.StartAsync("outsider", networkKey is null ? [] : ["--network-key", networkKey]);
        var outsiderId = (await NodeInfoAsync(outsider.Http)).GetProperty("nodeId").GetString();
        var target = network.Endpoint(0).Authority;

        using var response = await outsider.Http.PostAsJsonAsync("/peer", new { targetUrl = target }, TestContext.Current.CancellationToken)
            .WaitAsync(Timeouts.Connect, TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        output.WriteLine($"POST /peer answered {(int)response.StatusCode}: {body}");
        Assert.True(response.StatusCode == HttpStatusCode.BadGateway, $"POST /peer answered {(int)response.StatusCode}: {body}");
        Assert.Contains("refused", body, StringComparison.Ordinal);
        Assert.Contains("network key", body, StringComparison.Ordinal);

        // The outsider keeps re-dialing a peer it was asked for; every attempt is refused, and no node of the network ever
        // lists it, not even as a link being opened.
        var entry = await Eventually.UntilAsync(
            async () =>
            {
                for (var i = 0; i < network.NodeCount; i++)
                {
                    using var http = network.CreateClient(i);
                    var listed = (await PeersAsync(http)).Where(e => IsStartedByHand(e, outsiderId, outsider.Address, "outsider")).Select(e => e.GetRawText()).ToList();
                    Assert.True(listed.Count == 0, $"{AspireNetwork.NodeName(i)} lists the outsider: {string.Join(", ", listed)}");
                }

                return (await PeersAsync(outsider.Http)).SingleOrDefault(e => e.GetProperty("address").GetString() == target);
            },
            e => e.ValueKind == JsonValueKind.Object && e.GetProperty("attempts").GetInt32() >= 3,
            Timeouts.Converge,
            $"the outsider's third attempt at {target}");
        Assert.NotEqual("Connected", entry.GetProperty("state").GetString());
        Assert.Contains("network key", entry.GetProperty("lastError").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeStartedByHandWithTheKeyJoins()
    {
        await using var insider = await TestNode.StartAsync("insider", "--network-key", network.NetworkKey);
        var insiderId = (await NodeInfoAsync(insider.Http)).GetProperty("nodeId").GetString();

        using var response = await insider.Http.PostAsJsonAsync("/peer", new { targetUrl = network.Endpoint(0).Authority }, TestContext.Current.CancellationToken)
            .WaitAsync(Timeouts.Connect, TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /peer answered {(int)response.StatusCode}: {body}");
        using var node0 = network.CreateClient(0);
        await Eventually.UntilAsync(
            () => PeersAsync(node0), p => p.Any(e => IsStartedByHand(e, insiderId, insider.Address, "insider") && e.GetProperty("state").GetString() == "Connected"),
            Timeouts.Converge, "node-0 to list the node that holds the key");
    }

    private static Task<JsonElement> NodeInfoAsync(HttpClient http) =>
        http.GetFromJsonAsync<JsonElement>("/api/node", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

    private static async Task<JsonElement[]> PeersAsync(HttpClient http)
    {
        var peers = await http.GetFromJsonAsync<JsonElement>("/api/peers", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        return [.. peers.GetProperty("peers").EnumerateArray()];
    }

    private static bool IsConnectedTo(JsonElement peer, string address) =>
        peer.GetProperty("address").GetString() == address && peer.GetProperty("state").GetString() == "Connected";

    /// <summary>Whether a peer entry is the node started by hand, by its address, id or name.</summary>
    private static bool IsStartedByHand(JsonElement peer, string? id, string address, string name) =>
        peer.GetProperty("address").GetString() == address
        || (peer.TryGetProperty("nodeId", out var nodeId) && nodeId.ValueKind == JsonValueKind.String && nodeId.GetString() == id)
        || (peer.TryGetProperty("name", out var shown) && shown.ValueKind == JsonValueKind.String && shown.GetString() == name);
}

/// <summary>Two nodes, the AppHost's secrets and strict mode, without the dashboard.</summary>
public sealed class TrustNetwork() : AspireNetwork(nodeCount: 2, withDashboard: false);
