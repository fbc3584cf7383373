using System.Diagnostics;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// Issue 11's races, provoked from outside a real node process. The node before the rewrite could wait forever for a
/// flush it had just missed (a POST with --data-dir on an idle node), and stopped altogether when its heartbeat closed an
/// inbound session whose token source had just been disposed (a faulted BackgroundService stops the host). The cap race
/// is in <see cref="LinkCapTests"/>. Field reads outside a lock cannot be provoked from outside: one loop owns that state now.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class MeshRaceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task EveryPostToAnIdleNodeWithADataDirectoryIsAnswered()
    {
        var dataDir = Directory.CreateTempSubdirectory("aspirep2p-data-").FullName;
        try
        {
            await using var node = await NodeProcess.StartAsync("idle", TestPorts.Reserve(), "--data-dir", dataDir);
            var slowest = TimeSpan.Zero;
            for (var i = 0; i < 300; i++)
            {
                // A pause between posts: the log's writer goes idle, so a POST that missed its flush would wait forever.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 15)), TestContext.Current.CancellationToken);
                var watch = Stopwatch.StartNew();
                var answer = await node.PostRecordAsync($"idle {i}");
                slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
                Assert.True(answer.Created, answer.ToString());
            }

            output.WriteLine($"300 posts answered; the slowest in {slowest.TotalMilliseconds:0} ms");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task ClosingEveryLinkWhileHeartbeatsTimeOutNeverStopsTheNode()
    {
        // Heartbeats every 10 ms and a 20 ms timeout on every node: on a busy machine each side keeps taking the other for
        // dead and closing links, the peers re-dial at once, and the test closes all the hub's links every few ms too.
        var hub = await NodeProcess.StartAsync(HeartbeatChurn, "hub", TestPorts.Reserve());
        var peers = new List<NodeProcess>();
        try
        {
            peers.AddRange(await Task.WhenAll(Enumerable.Range(1, 8).Select(i => NodeProcess.StartAsync(HeartbeatChurn, $"peer-{i}", TestPorts.Reserve(), "--peers", hub.Address))));
            foreach (var peer in peers)
            {
                Assert.True((await peer.PostRecordAsync($"from {peer.Name}")).Created);
            }

            // Links come and go too fast to be seen in GET /peers; records arriving at the hub show that they open.
            await Eventually.UntilAsync(() => StillRunning(hub, async () => (await hub.GetHoldingsAsync()).Records > 0), Timeouts.Converge, "a peer's record to reach the hub");

            // A number of rounds, not a duration: a busy machine runs them all, only slower.
            const int disconnects = 400;
            var watch = Stopwatch.StartNew();
            for (var round = 0; round < disconnects; round++)
            {
                await StillRunning(hub, async () =>
                {
                    using var response = await hub.Http.PostAsync("/api/peers/disconnect", content: null, TestContext.Current.CancellationToken);
                    return response.StatusCode;
                });
                await Task.Delay(Random.Shared.Next(10, 40), TestContext.Current.CancellationToken);
            }

            Assert.Equal("Healthy", await hub.GetHealthAsync());
            Assert.True((await hub.PostRecordAsync("still here")).Created);
            output.WriteLine($"{disconnects} disconnects in {watch.Elapsed.TotalSeconds:0} s while heartbeats timed out all the time; the hub kept running");
        }
        finally
        {
            foreach (var node in peers.Append(hub))
            {
                await node.DisposeAsync();
            }
        }
    }

    private static readonly NodeLaunch HeartbeatChurn = NodeLaunch.With(
        ("P2P__HeartbeatInterval", "00:00:00.010"), ("P2P__HeartbeatTimeout", "00:00:00.020"),
        ("P2P__ReconnectMinDelay", "00:00:00.010"), ("P2P__ReconnectMaxDelay", "00:00:00.050"));

    /// <summary>Runs a request to <paramref name="node"/>; if it cannot be reached, fails with what the node printed before it stopped.</summary>
    private static async Task<T> StillRunning<T>(NodeProcess node, Func<Task<T>> request)
    {
        try
        {
            return await request();
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException($"{node.Name} stopped answering ({ex.Message}); exited: {node.HasExited}; its output: {node.Output}", ex);
        }
    }
}
