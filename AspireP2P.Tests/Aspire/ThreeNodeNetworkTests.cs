using System.Diagnostics;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>The AppHost's default network (3 nodes) with the dashboard: what a developer sees after <c>dotnet run</c>.</summary>
[Trait("Category", "Aspire")]
[Collection(AspireNetworks.Name)]
public sealed class ThreeNodeNetworkTests(ThreeNodeNetwork network) : IClassFixture<ThreeNodeNetwork>
{
    private const string Publish = "publish records";
    private const string Send = "send records";
    private const string Receive = "receive records";

    private int Last => network.NodeCount - 1;

    [Fact]
    public async Task EachNodeIsLinkedToItsChainNeighboursAtTheirPublicAddresses()
    {
        for (var i = 0; i < network.NodeCount; i++)
        {
            var peers = await Eventually.UntilAsync(
                () => network.GetPeersAsync(i), p => p.Order(StringComparer.Ordinal).SequenceEqual(network.ExpectedPeers(i)),
                Timeouts.Converge, $"the chain neighbours of {AspireNetwork.NodeName(i)}");
            Assert.Equal(network.ExpectedPeers(i), peers.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task RecordPostedAtTheLastNodeReachesEveryNode()
    {
        var value = $"three-node record {Guid.NewGuid():N}";

        await network.PostRecordAsync(Last, value);

        await network.WaitForRecordEverywhereAsync(r => r == value, $"'{value}'");
    }

    [Fact]
    public async Task RecordTraceInTheDashboardFollowsTheHopsAcrossEveryNode()
    {
        using var dashboard = network.CreateDashboardClient();

        var traceId = await network.PostRecordAsync(Last, $"traced record {Guid.NewGuid():N}");

        // One publish at the origin, then one send and one receive per hop; export is batched, so wait for all of them.
        var hops = network.NodeCount - 1;
        var spans = await Eventually.UntilAsync(
            () => dashboard.GetTraceAsync(traceId),
            s => s.Count(x => x.Name == Publish) == 1 && s.Count(x => x.Name == Send) == hops && s.Count(x => x.Name == Receive) == hops,
            Timeouts.Telemetry, $"trace {traceId} with {hops} hops in the dashboard");

        Assert.Equal(network.NodeNames.Order(), spans.Select(s => s.Resource).Distinct().Order());
        var byId = spans.ToDictionary(s => s.SpanId);
        for (var i = 0; i < Last; i++)
        {
            // node-i received the record from node-(i+1), whose send span is the parent of node-i's receive span.
            var receiver = AspireNetwork.NodeName(i);
            var sender = AspireNetwork.NodeName(i + 1);
            var receive = Assert.Single(spans, s => s.Resource == receiver && s.Name == Receive);
            Assert.Equal(ActivityKind.Consumer, receive.Kind);
            var send = byId[receive.ParentSpanId!];
            Assert.Equal((sender, Send, ActivityKind.Producer), (send.Resource, send.Name, send.Kind));
            var upstream = byId[send.ParentSpanId!];
            Assert.Equal((sender, i + 1 == Last ? Publish : Receive), (upstream.Resource, upstream.Name));
        }
    }

    [Fact]
    public async Task HandshakeTraceSpansTheDialerAndTheAcceptor()
    {
        using var dashboard = network.CreateDashboardClient();
        var acceptor = AspireNetwork.NodeName(0);
        var dialer = AspireNetwork.NodeName(1);

        // node-1 dialed node-0 at start-up (--peers); node-0 received its HANDSHAKE and dialed back.
        var spans = await Eventually.UntilAsync(
            async () =>
            {
                foreach (var handshake in (await dashboard.GetResourceSpansAsync(acceptor)).Where(s => s.Name == "receive handshake"))
                {
                    var trace = await dashboard.GetTraceAsync(handshake.TraceId);
                    if (trace.Any(s => s.Resource == dialer && s.SpanId == handshake.ParentSpanId) && trace.Any(s => s.ParentSpanId == handshake.SpanId))
                    {
                        return trace;
                    }
                }

                return [];
            },
            trace => trace.Count > 0, Timeouts.Telemetry, $"a handshake trace from {dialer} to {acceptor}");

        Assert.Equal([acceptor, dialer], spans.Select(s => s.Resource).Distinct().Order());
        var receive = Assert.Single(spans, s => s.Name == "receive handshake");
        Assert.Equal(ActivityKind.Consumer, receive.Kind);
        // Both sides dial public (proxied) addresses: the dialer the one in --peers, the acceptor the one HANDSHAKE carried.
        var dial = Assert.Single(spans, s => s.SpanId == receive.ParentSpanId);
        Assert.Equal((dialer, $"connect {network.Endpoint(0).Authority}", ActivityKind.Client), (dial.Resource, dial.Name, dial.Kind));
        var dialBack = Assert.Single(spans, s => s.ParentSpanId == receive.SpanId);
        Assert.Equal((acceptor, $"connect {network.Endpoint(1).Authority}", ActivityKind.Client), (dialBack.Resource, dialBack.Name, dialBack.Kind));
    }

    [Fact]
    public async Task PostTestRecordCommandPublishesARecordThatReachesEveryNode()
    {
        var node = AspireNetwork.NodeName(Last);

        var result = await network.App.ResourceCommands.ExecuteCommandAsync(node, "post-test-record").WaitAsync(Timeouts.Request);

        Assert.True(result.Success, result.Message);
        // The dashboard shows the node's answer, with the record's key and trace id.
        using var answer = JsonDocument.Parse(result.Data!.Value);
        Assert.StartsWith($"{node}.", answer.RootElement.GetProperty("key").GetString(), StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{32}$", answer.RootElement.GetProperty("traceId").GetString());
        await network.WaitForRecordEverywhereAsync(r => r.StartsWith($"test record from {node} at ", StringComparison.Ordinal), "the dashboard's test record");
    }
}
