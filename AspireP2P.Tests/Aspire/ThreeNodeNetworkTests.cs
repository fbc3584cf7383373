using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Testing;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>The AppHost's default network (3 nodes) with the dashboard: what a developer sees after <c>dotnet run</c>.</summary>
[Trait(Tier.Category, Tier.Aspire)]
[Collection(AspireNetworks.Name)]
public sealed class ThreeNodeNetworkTests(ThreeNodeNetwork network) : IClassFixture<ThreeNodeNetwork>
{
    private const string Publish = "publish records";
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

        // One span per node: publish at the origin, then one receive per hop; export is batched, so wait for all of them.
        var hops = network.NodeCount - 1;
        var spans = await Eventually.UntilAsync(
            () => dashboard.GetTraceAsync(traceId),
            s => s.Count(x => x.Name == Publish) == 1 && s.Count(x => x.Name == Receive) == hops,
            Timeouts.Telemetry, $"trace {traceId} with {hops} hops in the dashboard");

        Assert.Equal(network.NodeNames.Order(), spans.Select(s => s.Resource).Distinct().Order());
        Assert.Equal(1 + hops, spans.Count(s => s.Name is Publish or Receive));
        var byId = spans.ToDictionary(s => s.SpanId);
        var publish = Assert.Single(spans, s => s.Name == Publish);
        Assert.Equal((AspireNetwork.NodeName(Last), ActivityKind.Producer), (publish.Resource, publish.Kind));
        Assert.Equal("POST /record", byId[publish.ParentSpanId!].Name);
        for (var i = 0; i < Last; i++)
        {
            // node-i received the record from node-(i+1): its receive span is the child of node-(i+1)'s span.
            var receive = Assert.Single(spans, s => s.Resource == AspireNetwork.NodeName(i) && s.Name == Receive);
            Assert.Equal(ActivityKind.Consumer, receive.Kind);
            var upstream = byId[receive.ParentSpanId!];
            Assert.Equal((AspireNetwork.NodeName(i + 1), i + 1 == Last ? Publish : Receive), (upstream.Resource, upstream.Name));
        }
    }

    [Fact]
    public async Task UnderABurstEachRecordTraceIsWholeOnEveryNodeOrAbsentFromAll()
    {
        using var dashboard = network.CreateDashboardClient();
        // More records at once than node-0 may start traces for (its share of the network's budget, after a first handful).
        var traceIds = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            traceIds.Add(await network.PostRecordAsync(0, $"burst record {i} {Guid.NewGuid():N}"));
        }

        // Then one more record at node-2, whose spans every node exports after the burst's (each exporter sends its
        // spans in the order they ended): once its trace is whole, every span of the burst has reached the dashboard.
        var marker = await network.PostRecordAsync(Last, $"after the burst {Guid.NewGuid():N}");
        await Eventually.UntilAsync(() => dashboard.GetTraceAsync(marker), s => s.Count(x => x.Name is Publish or Receive) == network.NodeCount,
            Timeouts.Telemetry, $"the trace of the record posted after the burst ({marker})");

        var traces = await Task.WhenAll(traceIds.Select(async id => await dashboard.GetTraceAsync(id)));

        // Kept: whole, a span on every node the record reached (all three, along the chain). Dropped: no span anywhere.
        var kept = traces.Where(t => t.Count > 0).ToList();
        Assert.InRange(kept.Count, 1, traceIds.Count - 1);
        Assert.All(kept, spans => Assert.True(IsWhole(spans), $"a kept trace is whole: {string.Join(", ", spans.Select(x => $"{x.Resource}: {x.Name}"))}"));

        bool IsWhole(IReadOnlyList<P2PTraceSpan> spans) =>
            spans.Count(s => s.Name == Publish && s.Resource == AspireNetwork.NodeName(0)) == 1
            && Enumerable.Range(1, Last).All(i => spans.Count(s => s.Name == Receive && s.Resource == AspireNetwork.NodeName(i)) == 1);
    }

    [Fact]
    public async Task TheDashboardRunsWithTheAppHostsTelemetryLimits()
    {
        const string Limits = "DASHBOARD__TELEMETRYLIMITS__";
        var dashboard = await network.App.ResourceNotifications
            .WaitForResourceAsync("aspire-dashboard", e => e.Snapshot.EnvironmentVariables.Any(v => v.Name.StartsWith(Limits, StringComparison.Ordinal)), TestContext.Current.CancellationToken)
            .WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        var environment = dashboard.Snapshot.EnvironmentVariables.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);

        // The project's defaults, and a limit the AppHost was given on its command line (ThreeNodeNetwork).
        Assert.Equal("1000", environment.GetValueOrDefault(Limits + "MAXTRACECOUNT"));
        Assert.Equal("720", environment.GetValueOrDefault(Limits + "MAXMETRICSCOUNT"));
        Assert.Equal(ThreeNodeNetwork.MaxLogCount.ToString(System.Globalization.CultureInfo.InvariantCulture), environment.GetValueOrDefault(Limits + "MAXLOGCOUNT"));
    }

    [Fact]
    public async Task LinkTraceSpansTheDialerAndTheAcceptor()
    {
        using var dashboard = network.CreateDashboardClient();
        var acceptor = AspireNetwork.NodeName(0);
        var dialer = AspireNetwork.NodeName(1);

        // node-1 dialed node-0 at start-up (--peers): one link, which carries records both ways. Accepting it is a span in
        // the trace of the dial, at node-0.
        var spans = await Eventually.UntilAsync(
            async () =>
            {
                foreach (var accept in (await dashboard.GetResourceSpansAsync(acceptor)).Where(s => s.Name == "accept link"))
                {
                    var trace = await dashboard.GetTraceAsync(accept.TraceId);
                    if (trace.Any(s => s.Resource == dialer && s.Name == $"connect {network.Endpoint(0).Authority}"))
                    {
                        return trace;
                    }
                }

                return [];
            },
            trace => trace.Count > 0, Timeouts.Telemetry, $"a link trace from {dialer} to {acceptor}");

        Assert.Equal([acceptor, dialer], spans.Select(s => s.Resource).Distinct().Order());
        // The dialer dials the public (proxied) address in --peers.
        var dial = Assert.Single(spans, s => s.Resource == dialer && s.Name == $"connect {network.Endpoint(0).Authority}");
        Assert.Equal(ActivityKind.Client, dial.Kind);
        var accepted = Assert.Single(spans, s => s.Resource == acceptor && s.Name == "accept link");
        Assert.Equal(ActivityKind.Server, accepted.Kind);
    }

    [Fact]
    public async Task PostTestRecordCommandPublishesARecordThatReachesEveryNode()
    {
        var node = AspireNetwork.NodeName(Last);

        var result = await network.App.ResourceCommands.ExecuteCommandAsync(node, "post-test-record", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        Assert.True(result.Success, result.Message);
        // The dashboard shows the node's answer, with the record's key and trace id.
        using var answer = JsonDocument.Parse(result.Data!.Value);
        using var http = network.CreateClient(Last);
        var nodeId = (await http.GetFromJsonAsync<JsonElement>("/api/node", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken)).GetProperty("nodeId").GetString();
        // Its key names the entry: the node's feed (its id, derived from its key) and the seq in it.
        Assert.Matches($"^{nodeId}-[1-9][0-9]*$", answer.RootElement.GetProperty("key").GetString());
        Assert.Matches("^[0-9a-f]{32}$", answer.RootElement.GetProperty("traceId").GetString());
        await network.WaitForRecordEverywhereAsync(r => r.StartsWith($"test record from {node} at ", StringComparison.Ordinal), "the dashboard's test record");
    }
}
