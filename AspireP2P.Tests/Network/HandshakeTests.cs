using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;

namespace AspireP2P.Tests.Network;

[Trait(Tier.Category, Tier.Network)]
public sealed class HandshakeTests
{
    [Fact]
    public async Task BootstrapPeerGivesOneLinkThatCarriesRecordsBothWays()
    {
        await using var network = await TestNetwork.StartChainAsync(2);

        Assert.Equal([network[0].WebSocketUrl], await network[1].GetPeersAsync());
        Assert.Equal([network[1].WebSocketUrl], await network[0].GetPeersAsync());
        var dialed = Assert.Single((await network[1].GetPeerDetailsAsync()).GetProperty("peers").EnumerateArray());
        var accepted = Assert.Single((await network[0].GetPeerDetailsAsync()).GetProperty("peers").EnumerateArray());
        Assert.Equal(("Outbound", "Bootstrap", "Peer", network[0].Identity.Id.ToString(), "node-0"),
            (dialed.GetProperty("direction").GetString(), dialed.GetProperty("origin").GetString(), dialed.GetProperty("kind").GetString(),
             dialed.GetProperty("nodeId").GetString(), dialed.GetProperty("name").GetString()));
        Assert.Equal(("Inbound", "Inbound", network[1].Identity.Id.ToString(), network[1].Address),
            (accepted.GetProperty("direction").GetString(), accepted.GetProperty("origin").GetString(), accepted.GetProperty("nodeId").GetString(),
             accepted.GetProperty("address").GetString()));
        Assert.Single(network[0].Core.Context.Links.Snapshot);
        Assert.Single(network[1].Core.Context.Links.Snapshot);

        using var down = await network[0].PostRecordAsync("down the link");
        using var up = await network[1].PostRecordAsync("up the link");
        await network.WaitForRecordsAsync("\"down the link\"", "\"up the link\"");
    }

    [Fact]
    public async Task ALinksTraceSpansTheDialerAndTheAcceptor()
    {
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == P2PTelemetryNames.ActivitySource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await using var network = await TestNetwork.StartChainAsync(2);

        // node-1 dialed node-0 (its --peers): node-0's SERVER span for the upgrade joins the trace of node-1's CLIENT span.
        // (Its parent is the upgrade's HTTP request span, which ServiceDefaults leaves out of exported traces.)
        var (dial, accept) = await Eventually.UntilAsync(
            () => Task.FromResult(stopped
                .Where(a => a.DisplayName == $"connect {network[0].Address}" && a.Kind == ActivityKind.Client)
                .Select(d => (Dial: d, Accept: stopped.FirstOrDefault(a => a.DisplayName == "accept link" && a.TraceId == d.TraceId)))
                .FirstOrDefault(pair => pair.Accept is not null)),
            pair => pair.Dial is not null, Timeouts.Connect, "the dial's span and the acceptor's: " + string.Join("; ", stopped.Select(a => $"{a.DisplayName} {a.Kind} {a.TraceId}")));
        Assert.Equal(ActivityKind.Server, accept!.Kind);
        Assert.NotEqual(default, accept.ParentSpanId);
        Assert.True(accept.StartTimeUtc >= dial.StartTimeUtc);
        Assert.Equal("node", accept.GetTagItem("p2p.peer.kind"));
        Assert.Equal("node", dial.GetTagItem("p2p.peer.kind"));
    }

    [Fact]
    public async Task PeeringTwiceOrUnderAnotherNameGivesNoDuplicateLink()
    {
        await using var network = await TestNetwork.StartChainAsync(2);

        using var again = await network[1].PostPeerAsync(network[0].Address);
        using var alias = await network[1].PostPeerAsync($"ws://localhost:{network[0].Identity.Address.Port}");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alias.StatusCode);
        Assert.Single(await network[1].GetPeersAsync());
        Assert.Single(await network[0].GetPeersAsync());
        // A second link the alias may have opened replaces the first (both sides keep the same one), never adds to it.
        foreach (var node in network.Nodes)
        {
            await Eventually.UntilAsync(() => Task.FromResult(node.Core.Context.Links.Count), n => n == 1, Timeouts.Connect, $"{node.Name} to keep one link");
            var peer = Assert.Single((await node.GetPeerDetailsAsync()).GetProperty("peers").EnumerateArray());
            Assert.Equal("Connected", peer.GetProperty("state").GetString());
        }

        using var record = await network[0].PostRecordAsync("over the one link");
        await network.WaitForRecordsAsync("\"over the one link\"");
    }

    [Theory]
    [InlineData("self")]
    [InlineData("alias")]
    public async Task NodeRefusesToPeerWithItself(string form)
    {
        // An alias is only known for itself once the node has dialed it and read its own id back: a dial the default
        // 5 s bound cut short on a starved machine (answered 502) is not what this test is about.
        await using var node = await TestNode.StartAsync("solo", "--P2P:ConnectTimeout", "00:00:15", "--P2P:RequestTimeout", "00:00:18");
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
        var closedPort = TestPorts.Reserve();

        using var response = await node.PostPeerAsync($"127.0.0.1:{closedPort}");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains($"127.0.0.1:{closedPort}", problem.GetProperty("detail").GetString());
        Assert.Empty(await node.GetPeersAsync());
    }

    [Fact]
    public async Task BootstrapPeerThatStartsLaterIsJoinedOnceItListens()
    {
        // Reserved: nobody listens there until the late node does (a freed port was once taken meanwhile, linking "early").
        var port = TestPorts.Reserve();

        await using var early = await TestNode.StartAsync("early", "--peers", $"127.0.0.1:{port}");
        Assert.False(await early.IsHealthyAsync());
        // /api/node says why, and since when.
        var health = (await early.GetNodeInfoAsync()).GetProperty("health");
        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        Assert.Contains($"bootstrap peer 127.0.0.1:{port} is not linked", health.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, health.GetProperty("since").ValueKind);

        await using var late = await TestNode.StartAsync("late", "--port", port.ToString());
        await Eventually.UntilAsync(early.IsHealthyAsync, Timeouts.Connect, "the early node to join the late one");
        Assert.Equal("Healthy", (await early.GetNodeInfoAsync()).GetProperty("health").GetProperty("status").GetString());
        await Eventually.UntilAsync(late.GetPeersAsync, p => p.SequenceEqual([early.WebSocketUrl]), Timeouts.Connect, "the late node to send on the early node's link");
    }
}
