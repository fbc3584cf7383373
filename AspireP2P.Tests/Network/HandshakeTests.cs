using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

[Trait(Tier.Category, Tier.Network)]
public sealed class HandshakeTests
{
    [Fact]
    public async Task BootstrapPeerGivesLinksBothWays()
    {
        await using var network = await TestNetwork.StartChainAsync(2);

        Assert.Equal([network[0].WebSocketUrl], await network[1].GetPeersAsync());
        await Eventually.UntilAsync(network[0].GetPeersAsync, p => p.SequenceEqual([network[1].WebSocketUrl]), Timeouts.Connect, "node-0 to dial node-1 back");
    }

    [Fact]
    public async Task PeeringTwiceOrUnderAnotherNameGivesNoDuplicateLink()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        await Eventually.UntilAsync(network[0].GetPeersAsync, p => p.Length == 1, Timeouts.Connect, "node-0 to dial back");

        using var again = await network[1].PostPeerAsync(network[0].Address);
        using var alias = await network[1].PostPeerAsync($"ws://localhost:{network[0].Identity.Address.Port}");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alias.StatusCode);
        Assert.Single(await network[1].GetPeersAsync());
        Assert.Single(await network[0].GetPeersAsync());
    }

    [Theory]
    [InlineData("self")]
    [InlineData("alias")]
    public async Task NodeRefusesToPeerWithItself(string form)
    {
        await using var node = await TestNode.StartAsync("solo");
        var target = form == "self" ? node.Address : $"localhost:{node.Identity.Address.Port}";

        using var response = await node.PostPeerAsync(target);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await node.GetPeersAsync());
    }

    [Fact]
    public async Task UnreachablePeerIsReportedNotSilentlyAccepted()
    {
        await using var node = await TestNode.StartAsync("lonely");
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        using var response = await node.PostPeerAsync($"127.0.0.1:{closedPort}");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains($"127.0.0.1:{closedPort}", problem.GetProperty("detail").GetString());
        Assert.Empty(await node.GetPeersAsync());
    }

    [Fact]
    public async Task BootstrapPeerThatStartsLaterIsJoinedOnceItListens()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await using var early = await TestNode.StartAsync("early", "--peers", $"127.0.0.1:{port}");
        Assert.False(await early.IsHealthyAsync());

        await using var late = await TestNode.StartAsync("late", "--port", port.ToString());
        await Eventually.UntilAsync(early.IsHealthyAsync, Timeouts.Connect, "the early node to join the late one");
        await Eventually.UntilAsync(late.GetPeersAsync, p => p.Length == 1, Timeouts.Connect, "the late node to dial back");
    }
}
