using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Seed;

/// <summary>
/// Our nodes next to the tutorial's own final <c>server.ts</c> on real Deno (see <see cref="SeedNode"/>): links form in
/// both directions, and records flow seed → ours → ours and ours → seed. Where the tutorial's node has bugs
/// (it prints its peers as <c>[{}]</c>, never names itself on a connect-back, dies on any message it does not
/// know), these tests assert what our node does about them, not the bugs themselves.
/// </summary>
[Trait(Tier.Category, Tier.Seed)]
public sealed class SeedInteropTests(ITestOutputHelper output)
{
    public enum Dialer
    {
        /// <summary>The seed starts with <c>--peers</c> = our node: it dials and sends HANDSHAKE; ours dials back.</summary>
        SeedDialsOurs,

        /// <summary>Our node is told <c>POST /peer</c> = the seed: ours dials and sends HANDSHAKE; the seed dials back.</summary>
        OursDialsSeed,
    }

    [Theory]
    [InlineData("POST /peer")]
    [InlineData("--peers")]
    public async Task OurNodeDialsTheSeedAndTheSeedConnectsBack(string how)
    {
        await using var seed = await StartSeedAsync();
        await using var ours = how == "--peers" ? await TestNode.StartAsync("ours", "--peers", seed.Address) : await TestNode.StartAsync("ours");
        if (how == "POST /peer")
        {
            using var response = await ours.PostPeerAsync(seed.Address);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await Eventually.UntilAsync(ours.GetPeersAsync, p => p.SequenceEqual([seed.WebSocketUrl]), Timeouts.Connect, "our node to list the seed");

        // The seed read our HANDSHAKE (extension fields and all) and dialed back: it lists one client, printed as {}.
        await Eventually.UntilAsync(() => seed.GetRawAsync("/peers"), p => p == "[{}]", Timeouts.Connect, "the seed to connect back to our node");

        // Our node sees that connection as a tutorial node's link it reads from. The seed sends no identity headers and no
        // HANDSHAKE when it connects back, so the link is anonymous (shown by its remote end), but it is there and open.
        var inbound = await Eventually.UntilAsync(() => PeersOfKindAsync(ours, "TutorialReceive"), s => s.Length == 1, Timeouts.Connect, "the seed's connection to show on our /api/peers");
        Assert.Equal(JsonValueKind.Null, inbound[0].GetProperty("nodeId").ValueKind);
        Assert.Equal(("Inbound", "Connected"), (inbound[0].GetProperty("direction").GetString(), inbound[0].GetProperty("state").GetString()));
        Assert.StartsWith("127.0.0.1:", inbound[0].GetProperty("address").GetString(), StringComparison.Ordinal);
        var dialed = Assert.Single(await PeersOfKindAsync(ours, "TutorialSend"));
        Assert.Equal(seed.Address, dialed.GetProperty("address").GetString());
        if (how == "--peers")
        {
            Assert.True(await ours.IsHealthyAsync(), "a node whose --peers is a seed node is Healthy once linked to it");
        }

        AssertSeedAlive(seed);
    }

    [Theory]
    [InlineData("--peers")]
    [InlineData("POST /peer")]
    public async Task TheSeedDialsOurNodeAndOurNodeConnectsBack(string how)
    {
        await using var ours = await TestNode.StartAsync("ours");
        await using var seed = how == "--peers" ? await StartSeedAsync("--peers", ours.Address) : await StartSeedAsync();
        if (how == "POST /peer")
        {
            using var response = await seed.PostPeerAsync(ours.Address);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        // Our node read the seed's HANDSHAKE ({type, payload} only) and dialed the address it carries: a tutorial node
        // sends only on links it dialed and reads only on links others dialed, so with it we keep two links.
        await Eventually.UntilAsync(ours.GetPeersAsync, p => p.SequenceEqual([seed.WebSocketUrl]), Timeouts.Connect, "our node to connect back to the seed");
        var peer = Assert.Single((await PeerDetailsAsync(ours)).GetProperty("peers").EnumerateArray());
        Assert.Equal(seed.Address, peer.GetProperty("address").GetString());
        Assert.Equal(("ConnectBack", "Connected", "TutorialSend"),
            (peer.GetProperty("origin").GetString(), peer.GetProperty("state").GetString(), peer.GetProperty("kind").GetString()));
        Assert.Equal(JsonValueKind.Null, peer.GetProperty("nodeId").ValueKind);
        Assert.Equal(2, ours.Core.Context.Links.Count);

        Assert.Equal("[{}]", await seed.GetRawAsync("/peers"));
        AssertSeedAlive(seed);
    }

    [Theory]
    [InlineData(Dialer.SeedDialsOurs)]
    [InlineData(Dialer.OursDialsSeed)]
    public async Task RecordPostedOnTheSeedReachesOursAndIsRelayedOn(Dialer dialer)
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        var (ours, further) = (network[0], network[1]);
        await using var seed = await LinkSeedAsync(ours, dialer, further);

        using var posted = await seed.PostRecordAsync("\"from the seed\"");
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);

        // seed → ours → ours: both of our nodes hold exactly one copy (further is linked to ours only).
        await network.WaitForRecordsAsync("\"from the seed\"");
        Assert.Equal(1, await further.GetTotalAsync("received"));

        // Ours adopted the seed's record under the seed's own key: when a copy goes back to the seed, the seed
        // recognizes it and still holds it once. Another record round-trips, so any echo has arrived by now.
        using var marker = await further.PostRecordAsync("marker");
        await Eventually.UntilAsync(seed.GetRecordsAsync, r => r.Length == 2, Timeouts.Converge, "the marker to reach the seed");
        Assert.Equal(["from the seed", "marker"], (await seed.GetRecordsAsync()).Select(r => r.GetString()));
        AssertSeedAlive(seed);
    }

    [Theory]
    [InlineData(Dialer.SeedDialsOurs)]
    [InlineData(Dialer.OursDialsSeed)]
    public async Task RecordPostedOnOursReachesTheSeed(Dialer dialer)
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        var (ours, further) = (network[0], network[1]);
        await using var seed = await LinkSeedAsync(ours, dialer, further);

        using var hello = await ours.PostRecordAsync("hello");
        using var nested = await ours.PostRecordAsync(new { nested = new object[] { 1, "two", true } });
        using var relayed = await further.PostRecordAsync("two hops");
        Assert.All([hello, nested, relayed], r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        string[] expected = ["\"hello\"", "{\"nested\":[1,\"two\",true]}", "\"two hops\""];
        var records = await Eventually.UntilAsync(seed.GetRecordsAsync, r => r.Length >= expected.Length, Timeouts.Converge, "the seed to hold our 3 records");
        Assert.Equal(expected.Order(), records.Select(r => r.GetRawText()).Order());
        Assert.Equal(["\"hello\"", "{\"nested\":[1,\"two\",true]}"], records.Select(r => r.GetRawText()).Where(r => r != "\"two hops\""));
        AssertSeedAlive(seed);
    }

    [Fact]
    public async Task OurNodeBridgesTwoSeedNodesThatDoNotKnowEachOther()
    {
        // The tutorial's nodes only send their own records to their direct peers; ours relays what it receives.
        await using var ours = await TestNode.StartAsync("ours");
        await using var left = await StartSeedAsync("--peers", ours.Address);
        await using var right = await StartSeedAsync("--peers", ours.Address);
        string[] both = [left.WebSocketUrl, right.WebSocketUrl];
        await Eventually.UntilAsync(ours.GetPeersAsync, p => p.Order().SequenceEqual(both.Order()), Timeouts.Connect, "our node to connect back to both seeds");

        using var fromLeft = await left.PostRecordAsync("\"left to right\"");
        using var fromRight = await right.PostRecordAsync("\"right to left\"");

        await Eventually.UntilAsync(right.GetRecordsAsync, r => r.Length == 2, Timeouts.Converge, "the right seed to hold both records");
        await Eventually.UntilAsync(left.GetRecordsAsync, r => r.Length == 2, Timeouts.Converge, "the left seed to hold both records");
        Assert.Equal(["left to right", "right to left"], (await left.GetRecordsAsync()).Select(r => r.GetString()).Order());
        Assert.Equal(["left to right", "right to left"], (await right.GetRecordsAsync()).Select(r => r.GetString()).Order());
        Assert.Equal(["\"left to right\"", "\"right to left\""], (await ours.GetRecordsRawAsync()).Order());
        Assert.Equal(0, await ours.GetTotalAsync("duplicates"));
        AssertSeedAlive(left);
        AssertSeedAlive(right);
    }

    [Fact]
    public async Task OurExtensionFieldsDoNotBreakTheSeed()
    {
        // Ours dials the seed: the seed reads our HANDSHAKE (traceparent) and NEW_RECORDs (origin, seq, ts, sig, pk,
        // hops, traceparent, some relayed with hops 2). The tutorial's node throws on any message type it does not
        // understand, and an uncaught throw ends the process: it surviving all of this is the test.
        await using var network = await TestNetwork.StartChainAsync(2);
        var (ours, further) = (network[0], network[1]);
        await using var seed = await LinkSeedAsync(ours, Dialer.OursDialsSeed, further);

        string[] values = ["\"text\"", "42", "3.5", "false", "0", "[\"a\",1,null]", "{\"k\":{\"deep\":[null,{}]}}", "\"unicode ✓ \\\"quoted\\\" \\u0000\"", "\"\""];
        foreach (var (value, i) in values.Select((v, i) => (v, i)))
        {
            var node = i % 2 == 0 ? ours : further;
            using var response = await node.Http.PostAsync("/record", new StringContent($"{{\"record\":{value}}}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var records = await Eventually.UntilAsync(seed.GetRecordsAsync, r => r.Length >= values.Length, Timeouts.Converge, $"the seed to hold our {values.Length} records");
        Assert.Equal(values.Length, records.Length);
        foreach (var value in values)
        {
            using var sent = JsonDocument.Parse(value);
            Assert.Contains(records, r => JsonElement.DeepEquals(r, sent.RootElement));
        }

        AssertSeedAlive(seed);

        // And it still works: a record posted on it now reaches both of our nodes.
        using var posted = await seed.PostRecordAsync("\"still working\"");
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        await Eventually.UntilAsync(further.GetRecordsRawAsync, r => r.Contains("\"still working\""), Timeouts.Converge, "the seed's record to reach the further node");
        AssertSeedAlive(seed);
    }

    [Fact]
    public async Task WhenTheSeedDiesOurNodeDropsItsLinkAndKeepsItsOtherPeers()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        var (ours, further) = (network[0], network[1]);
        await using var seed = await LinkSeedAsync(ours, Dialer.OursDialsSeed, further);

        // The tutorial's node dies on any message type it does not know (its `default: throw new Error()`).
        using (var stranger = new ClientWebSocket())
        {
            await stranger.ConnectAsync(new Uri(seed.WebSocketUrl), TestContext.Current.CancellationToken).WaitAsync(Timeouts.Connect, TestContext.Current.CancellationToken);
            await stranger.SendAsync(Encoding.UTF8.GetBytes("{\"type\":\"PING\"}"), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
            await Eventually.UntilAsync(() => Task.FromResult(seed.HasExited), Timeouts.Converge, "the seed node to crash on an unknown message type (setup)");
        }

        // Our node notices, stops listing it, keeps trying to re-dial it, and its other link keeps working.
        await Eventually.UntilAsync(ours.GetPeersAsync, p => p.SequenceEqual([further.WebSocketUrl]), Timeouts.Connect, "our node to drop the dead seed");
        var seedPeer = (await PeerDetailsAsync(ours)).GetProperty("peers").EnumerateArray().Single(p => p.GetProperty("url").GetString() == seed.WebSocketUrl);
        Assert.Equal("Retrying", seedPeer.GetProperty("state").GetString());

        using var response = await further.PostRecordAsync("after the seed died");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await network.WaitForRecordsAsync("\"after the seed died\"");
    }

    private Task<SeedNode> StartSeedAsync(params string[] args) => SeedNode.StartAsync(output.WriteLine, args);

    /// <summary>
    /// Starts a seed node linked both ways to <paramref name="ours"/>, and returns once records can flow in both
    /// directions: ours lists the seed (and <paramref name="alsoLinkedTo"/>), and the seed lists its link to ours.
    /// </summary>
    private async Task<SeedNode> LinkSeedAsync(TestNode ours, Dialer dialer, TestNode alsoLinkedTo)
    {
        var seed = dialer == Dialer.SeedDialsOurs ? await StartSeedAsync("--peers", ours.Address) : await StartSeedAsync();
        try
        {
            if (dialer == Dialer.OursDialsSeed)
            {
                using var response = await ours.PostPeerAsync(seed.Address);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }

            string[] expected = [alsoLinkedTo.WebSocketUrl, seed.WebSocketUrl];
            await Eventually.UntilAsync(ours.GetPeersAsync, p => p.Order().SequenceEqual(expected.Order()), Timeouts.Connect, $"{ours.Name} to link to the seed and {alsoLinkedTo.Name}");
            await Eventually.UntilAsync(seed.GetPeerCountAsync, n => n == 1, Timeouts.Connect, "the seed to link to our node");
            return seed;
        }
        catch
        {
            await seed.DisposeAsync();
            throw;
        }
    }

    private static async Task<JsonElement> PeerDetailsAsync(TestNode node) =>
        await node.Http.GetFromJsonAsync<JsonElement>("/api/peers").WaitAsync(Timeouts.Request);

    private static async Task<JsonElement[]> PeersOfKindAsync(TestNode node, string kind) =>
        [.. (await PeerDetailsAsync(node)).GetProperty("peers").EnumerateArray().Where(p => p.GetProperty("kind").GetString() == kind)];

    private static void AssertSeedAlive(SeedNode seed)
    {
        Assert.False(seed.HasExited, $"the seed node exited; it printed:{Environment.NewLine}{seed.Output}");
        Assert.DoesNotContain("Uncaught", seed.Output, StringComparison.Ordinal);
    }
}
