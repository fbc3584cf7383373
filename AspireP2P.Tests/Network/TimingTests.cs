using System.Text.Json;
using AspireP2P.Node.Mesh;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace AspireP2P.Tests.Network;

/// <summary>Back-off, heartbeats and anti-entropy, stepped through with a fake clock: no waiting on real time.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class TimingTests
{
    /// <summary>The default heartbeat interval: the mesh's tick, on which re-dials, liveness and anti-entropy run.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task UnreachablePeerIsRedialedWithCappedExponentialBackoff()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var closedPort = TestPorts.Reserve();
        await using var node = await TestNode.StartAsync("dialer", time,
            "--peers", $"127.0.0.1:{closedPort}", "--P2P:ReconnectMinDelay=00:00:01", "--P2P:ReconnectMaxDelay=00:00:04");

        // Attempt n waits between half and all of min·2^(n-1), capped at the max: [0.5,1] s, [1,2] s, [2,4] s, [2,4] s.
        double[] steps = [1, 2, 4, 4, 4];
        for (var attempt = 1; attempt <= steps.Length; attempt++)
        {
            var peer = await Eventually.UntilAsync(() => PeerAsync(node),
                p => p.GetProperty("attempts").GetInt32() == attempt && p.GetProperty("nextAttemptAt").ValueKind == JsonValueKind.String,
                Timeouts.Converge, $"attempt {attempt} to fail and schedule the next");
            var wait = peer.GetProperty("nextAttemptAt").GetDateTimeOffset() - time.GetUtcNow();
            Assert.InRange(wait.TotalSeconds, steps[attempt - 1] / 2, steps[attempt - 1]);

            time.Advance(wait - TimeSpan.FromMilliseconds(10));
            await Task.Yield();
            Assert.Equal(attempt, (await PeerAsync(node)).GetProperty("attempts").GetInt32());

            // Re-dials run on the mesh's tick (a short delay also gets a timer of its own): due, it happens within one tick.
            time.Advance(TimeSpan.FromMilliseconds(10) + Tick);
            await Eventually.UntilAsync(() => PeerAsync(node), p => p.GetProperty("attempts").GetInt32() == attempt + 1,
                Timeouts.Converge, $"attempt {attempt + 1} once the back-off elapsed");
        }

        var last = await PeerAsync(node);
        Assert.Equal("Retrying", last.GetProperty("state").GetString());
        // Nothing listens there: the table says so in the one answer every such failure gets (the log has "connection refused").
        Assert.Equal(DialAttempt.Unreachable, last.GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task PeerThatDialsUsDuringTheBackoffIsLinkedAtOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var port = TestPorts.Reserve();
        await using var waiting = await TestNode.StartAsync("waiting", time,
            "--peers", $"127.0.0.1:{port}", "--P2P:ReconnectMinDelay=00:00:30", "--P2P:ReconnectMaxDelay=00:01:00");
        await Eventually.UntilAsync(() => PeerAsync(waiting), p => p.GetProperty("nextAttemptAt").ValueKind == JsonValueKind.String,
            Timeouts.Converge, "the first attempt to fail and a 15–30 s back-off to start");

        // The peer comes up and dials us: its link carries records both ways, so we need not sit out the back-off.
        await using var back = await TestNode.StartAsync("back", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--peers", waiting.Address);

        await Eventually.UntilAsync(waiting.GetPeersAsync, p => p.SequenceEqual([back.WebSocketUrl]), Timeouts.Connect,
            "the waiting node to be linked without its clock moving");
        var peer = await PeerAsync(waiting);
        Assert.Equal(("Connected", back.Identity.Id.ToString()), (peer.GetProperty("state").GetString(), peer.GetProperty("nodeId").GetString()));
        Assert.True(await waiting.IsHealthyAsync());
    }

    [Fact]
    public async Task SilentPeerIsTakenForDeadAfterTheHeartbeatTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await TestNode.StartAsync("watcher", time);
        using var identity = new TestFeed(42);
        // A peer of ours that completes the handshake and then never says another word.
        await using var hung = await SignedPeer.ConnectAsync(node, identity, TestPorts.Reserve());
        await Eventually.UntilAsync(() => LinksAsync(node), l => l.Length == 1, Timeouts.Converge, "the hung peer's link to register");

        time.Advance(Tick);
        time.Advance(Tick);
        time.Advance(Tick);
        await Task.Yield();
        Assert.Single(await LinksAsync(node));

        time.Advance(Tick);
        await Eventually.UntilAsync(() => LinksAsync(node), l => l.Length == 0, Timeouts.Converge, "the silent peer's link to be closed after 3 s without a message");
    }

    [Fact]
    public async Task IdleLinksStayUpWhileHeartbeatsFlow()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (first, second) = await StartPairAsync(time);
        await using var _ = first;
        await using var __ = second;
        var opened = (await PeerAsync(second)).GetProperty("since").GetDateTimeOffset();

        for (var beat = 0; beat < 10; beat++)
        {
            await BeatAsync(time, first, second);
        }

        Assert.Single(await first.GetPeersAsync());
        Assert.Single(await second.GetPeersAsync());
        // The very link that opened first: never dropped and re-dialed.
        var peer = await PeerAsync(second);
        Assert.Equal(opened, peer.GetProperty("since").GetDateTimeOffset());
        Assert.Equal(0, peer.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task DigestsThatDisagreeAtRestAreHealedByAntiEntropy()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (first, second) = await StartPairAsync(time);
        await using var _ = first;
        await using var __ = second;

        // An entry the second node believes came from the first: its link to the first never sends it back there, and it
        // was stored after the link's opening vectors, so only anti-entropy can notice that the first one lacks it.
        using var origin = new TestFeed(9);
        var link = Assert.Single(second.Core.Context.Links.Snapshot);
        var stored = second.Core.Store.Append(origin.Sign(1, "\"lost on the way\""), origin.PublicKey, new RelayContext(link.Id, origin.PublicKey, 1, null, null, Sync: false));
        Assert.True(stored.Stored);
        Assert.Empty(await first.GetRecordsRawAsync());
        Assert.NotEqual(await second.GetDigestAsync(), await first.GetDigestAsync());

        for (var beat = 0; beat < 8 && (await first.GetRecordsRawAsync()).Length == 0; beat++)
        {
            await BeatAsync(time, first, second);
        }

        await Eventually.UntilAsync(first.GetRecordsRawAsync, r => r.SequenceEqual(["\"lost on the way\""]), Timeouts.Converge, "anti-entropy to deliver the record");
        Assert.Equal(await second.GetDigestAsync(), await first.GetDigestAsync());
        Assert.Equal(1, await second.GetTotalAsync("catchUp"));
    }

    /// <summary>Two nodes on one fake clock, the second started with --peers = the first, linked.</summary>
    private static async Task<(TestNode First, TestNode Second)> StartPairAsync(FakeTimeProvider time)
    {
        var first = await TestNode.StartAsync("first", time);
        var second = await TestNode.StartAsync("second", time, "--peers", first.Address);
        await Eventually.UntilAsync(first.GetPeersAsync, p => p.Length == 1, Timeouts.Connect, "the link");
        await Eventually.UntilAsync(second.GetPeersAsync, p => p.Length == 1, Timeouts.Connect, "the link");
        return (first, second);
    }

    /// <summary>One heartbeat interval on the fake clock, then waits until each node heard the other since.</summary>
    private static async Task BeatAsync(FakeTimeProvider time, params TestNode[] nodes)
    {
        time.Advance(Tick);
        var now = time.GetUtcNow();
        foreach (var node in nodes)
        {
            await Eventually.UntilAsync(() => LinksAsync(node), l => l.Length == 1 && l[0].LastHeard >= now,
                Timeouts.Converge, $"{node.Name} to hear a heartbeat at {now:HH:mm:ss}");
        }
    }

    /// <summary>The node's open links, as its mesh publishes them.</summary>
    private static Task<Link[]> LinksAsync(TestNode node) => Task.FromResult(node.Core.Context.Links.Snapshot.ToArray());

    private static async Task<JsonElement> PeerAsync(TestNode node) =>
        (await node.GetPeerDetailsAsync()).GetProperty("peers")[0];
}
