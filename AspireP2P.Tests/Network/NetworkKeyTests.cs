using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>
/// <c>--network-key</c>: only nodes that prove they hold the network's key link with each other, both ways; the refusal
/// says why. A key is never sent, and a network can rotate to a new key while its nodes stay linked.
/// </summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class NetworkKeyTests
{
    private const string Key = "the-network-secret";
    private const string NewKey = "the-next-network-secret";

    [Fact]
    public async Task NodesHoldingTheKeyLinkAndShareRecords()
    {
        await using var network = await TestNetwork.StartChainAsync(3, "--network-key", Key);

        using var _ = await network[2].PostRecordAsync("inside the network");

        await network.WaitForRecordsAsync("\"inside the network\"");
        Assert.True((await network[0].GetNodeInfoAsync()).GetProperty("mode").GetProperty("networkKey").GetBoolean());
    }

    [Theory]
    [InlineData(null, Key)]
    [InlineData("another-network-secret", Key)]
    [InlineData(Key, null)]
    public async Task ANodeWithoutTheSameKeyIsRefusedWithTheReason(string? dialerKey, string? acceptorKey)
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(0);
        var acceptor = await network.AddNodeAsync("acceptor", KeyArgs(acceptorKey));
        var dialer = await network.AddNodeAsync("dialer", KeyArgs(dialerKey));

        using var response = await dialer.PostPeerAsync(acceptor.Address);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Peer Refused", problem.GetProperty("title").GetString());
        Assert.Contains("key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await dialer.GetPeersAsync());
        Assert.Empty(await acceptor.GetPeersAsync());
        Assert.Equal(0, acceptor.Core.Context.Links.Count);
    }

    [Fact]
    public async Task ATutorialNodeCannotJoinANetworkWithAKey()
    {
        await using var node = await TestNode.StartAsync("keyed", "--network-key", Key);

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => RawPeer.ConnectAsync(node));

        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, node.Core.Context.Links.Count);
    }

    [Fact]
    public async Task DuringARotationNodesWithTheOldAndTheNewKeyStayLinked()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(0);
        var old = await network.AddNodeAsync("old", "--network-key", Key);
        var rotated = await network.AddNodeAsync("rotated", "--network-key", $"{NewKey},{Key}", "--peers", old.Address);
        var renewed = await network.AddNodeAsync("renewed", "--network-key", NewKey, "--peers", rotated.Address);
        await network.WaitUntilHealthyAsync();

        using var _ = await old.PostRecordAsync("across the rotation");

        await network.WaitForRecordsAsync("\"across the rotation\"");
        // The node with only the new key cannot link with the one that has only the old.
        using var refused = await renewed.PostPeerAsync(old.Address);
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
    }

    private static string[] KeyArgs(string? key) => key is null ? [] : ["--network-key", key];
}
