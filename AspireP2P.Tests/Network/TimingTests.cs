using System.Text.Json;
using AspireP2P.Node.Records;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AspireP2P.Tests.Network;

/// <summary>Back-off, heartbeats and anti-entropy, stepped through with a fake clock: no waiting on real time.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class TimingTests
{
    [Fact]
    public async Task UnreachablePeerIsRedialedWithCappedExponentialBackoff()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var closedPort = FreePort.Next();
        await using var node = await TestNode.StartAsync("dialer", time,
            "--peers", $"127.0.0.1:{closedPort}", "--P2P:ReconnectMinDelay=00:00:01", "--P2P:ReconnectMaxDelay=00:00:04");

        // Attempt n waits between half and all of min·2^(n-1), capped at the max: [0.5,1] s, [1,2] s, [2,4] s, [2,4] s.
        double[] steps = [1, 2, 4, 4, 4];
        for (var attempt = 1; attempt <= steps.Length; attempt++)
        {
            var peer = await Eventually.UntilAsync(() => OutboundAsync(node),
                p => p.GetProperty("attempts").GetInt32() == attempt && p.GetProperty("nextAttemptAt").ValueKind == JsonValueKind.String,
                Timeouts.Converge, $"attempt {attempt} to fail and schedule the next");
            var wait = peer.GetProperty("nextAttemptAt").GetDateTimeOffset() - time.GetUtcNow();
            Assert.InRange(wait.TotalSeconds, steps[attempt - 1] / 2, steps[attempt - 1]);

            time.Advance(wait - TimeSpan.FromMilliseconds(10));
            await Task.Yield();
            Assert.Equal(attempt, (await OutboundAsync(node)).GetProperty("attempts").GetInt32());
            time.Advance(TimeSpan.FromMilliseconds(10));
            await Eventually.UntilAsync(() => OutboundAsync(node), p => p.GetProperty("attempts").GetInt32() == attempt + 1,
                Timeouts.Converge, $"attempt {attempt + 1} once the back-off elapsed");
        }

        var last = await OutboundAsync(node);
        Assert.Equal("Retrying", last.GetProperty("state").GetString());
        Assert.Contains("refused", last.GetProperty("lastError").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PeerThatDialsUsDuringTheBackoffIsRedialedAtOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var port = FreePort.Next();
        await using var waiting = await TestNode.StartAsync("waiting", time,
            "--peers", $"127.0.0.1:{port}", "--P2P:ReconnectMinDelay=00:00:30", "--P2P:ReconnectMaxDelay=00:01:00");
        await Eventually.UntilAsync(() => OutboundAsync(waiting), p => p.GetProperty("nextAttemptAt").ValueKind == JsonValueKind.String,
            Timeouts.Converge, "the first attempt to fail and a 15–30 s back-off to start");

        // The peer comes up and dials us: its HANDSHAKE tells us it is back, so we do not sit out the back-off.
        await using var back = await TestNode.StartAsync("back", "--port", port.ToString(), "--peers", waiting.Address);

        await Eventually.UntilAsync(waiting.GetPeersAsync, p => p.SequenceEqual([back.WebSocketUrl]), Timeouts.Connect,
            "the waiting node to re-dial without its clock moving");
        Assert.True(await waiting.IsHealthyAsync());
    }

    [Fact]
    public async Task SilentPeerIsTakenForDeadAfterTheHeartbeatTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var node = await TestNode.StartAsync("watcher", time);
        await using var hung = await RawPeer.ConnectAsync(node, new Dictionary<string, string> { ["X-P2P-Node-Id"] = "00000000deadbeef" });
        await hung.SendTextAsync("{\"type\":\"HEARTBEAT\",\"v\":1,\"from\":\"00000000deadbeef\",\"digest\":\"0:0000000000000000\",\"lag\":0,\"peers\":[]}");
        await Eventually.UntilAsync(() => InboundAsync(node), s => s.Any(p => p.GetProperty("sendsHeartbeats").GetBoolean()), Timeouts.Converge, "the heartbeat to register");

        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(await InboundAsync(node));

        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => InboundAsync(node), s => s.Length == 0, Timeouts.Converge, "the silent peer's session to be closed after 3 s without a message");
    }

    [Fact]
    public async Task IdleLinksStayUpWhileHeartbeatsFlow()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (first, second) = await StartPairAsync(time);
        await using var _ = first;
        await using var __ = second;

        for (var beat = 0; beat < 10; beat++)
        {
            await BeatAsync(time, first, second);
        }

        Assert.Single(await first.GetPeersAsync());
        Assert.Single(await second.GetPeersAsync());
        Assert.Equal(0, (await second.GetPeerDetailsAsync()).GetProperty("outbound")[0].GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task DigestsThatDisagreeAtRestAreHealedByAntiEntropy()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (first, second) = await StartPairAsync(time);
        await using var _ = first;
        await using var __ = second;

        // A record the second node believes came from the first: its link to the first will never send it
        // (no echo to the sender), so only anti-entropy can notice that the first one lacks it.
        var store = second.Services.GetRequiredService<RecordStore>();
        store.TryAdd(new StoredRecord("orphan", "\"lost on the way\""u8.ToArray(), origin: null, createdAtUnixMs: null, hops: 1, traceId: null,
            receivedFrom: first.Identity.LogId));
        Assert.Empty(await first.GetRecordsRawAsync());

        for (var beat = 0; beat < 8 && (await first.GetRecordsRawAsync()).Length == 0; beat++)
        {
            await BeatAsync(time, first, second);
        }

        await Eventually.UntilAsync(first.GetRecordsRawAsync, r => r.SequenceEqual(["\"lost on the way\""]), Timeouts.Converge, "anti-entropy to deliver the record");
        Assert.Equal(await second.GetDigestAsync(), await first.GetDigestAsync());
    }

    /// <summary>Two nodes on one fake clock, the second started with --peers = the first, linked both ways.</summary>
    private static async Task<(TestNode First, TestNode Second)> StartPairAsync(FakeTimeProvider time)
    {
        var first = await TestNode.StartAsync("first", time);
        var second = await TestNode.StartAsync("second", time, "--peers", first.Address);
        await Eventually.UntilAsync(first.GetPeersAsync, p => p.Length == 1, Timeouts.Connect, "the link back");
        return (first, second);
    }

    /// <summary>One heartbeat interval on the fake clock, then waits until each node heard the other's beat.</summary>
    private static async Task BeatAsync(FakeTimeProvider time, params TestNode[] nodes)
    {
        time.Advance(TimeSpan.FromSeconds(1));
        var now = time.GetUtcNow();
        foreach (var node in nodes)
        {
            await Eventually.UntilAsync(() => InboundAsync(node), s => s.Length == 1 && s[0].GetProperty("lastSeen").GetDateTimeOffset() >= now,
                Timeouts.Converge, $"{node.Name} to hear a heartbeat at {now:HH:mm:ss}");
        }
    }

    private static async Task<JsonElement[]> InboundAsync(TestNode node) =>
        (await node.GetPeerDetailsAsync()).GetProperty("inbound").EnumerateArray().ToArray();

    private static async Task<JsonElement> OutboundAsync(TestNode node) =>
        (await node.GetPeerDetailsAsync()).GetProperty("outbound")[0];
}
