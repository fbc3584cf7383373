using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>Nodes as real processes, killed with SIGKILL and restarted: the network heals and loses nothing.</summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class ProcessNetworkTests(ITestOutputHelper output)
{
    /// <summary>Short re-dial cap so a restarted neighbour is found within a second.</summary>
    private static readonly string[] FastRedial = ["--P2P:ReconnectMaxDelay=00:00:01"];

    [Fact]
    public async Task ChainHealsAfterAMiddleNodeIsKilledAndRestartedUnderAWriteStream()
    {
        var ports = Enumerable.Range(0, 5).Select(_ => TestPorts.Reserve()).ToArray();
        var nodes = new NodeProcess[5];
        try
        {
            await StartChainAsync(ports, nodes);
            await WaitHealthyAsync(nodes);
            await using var writer = new RecordWriter([nodes[0], nodes[4]]);
            await writer.WaitForAsync(100);

            await nodes[2].KillAsync();
            await writer.WaitForAsync(writer.Acknowledged + 100);

            var restartedAt = Stopwatch.StartNew();
            nodes[2] = await StartChainNodeAsync(2, ports);
            await writer.WaitForAsync(writer.Acknowledged + 100);
            var total = await writer.StopAsync();

            // A POST cut off by the writer's stop may still have been stored: acknowledged records are a lower bound.
            var holdings = await WaitConvergedAsync(nodes, total);
            var held = (await nodes[2].Http.GetFromJsonAsync<JsonElement[]>("/records", TestContext.Current.CancellationToken))!.Select(v => v.GetString()).ToHashSet();
            Assert.All(writer.AcknowledgedValues, value => Assert.Contains(value, held));
            output.WriteLine($"{total} acknowledged; identical digest {holdings} on all 5 nodes {restartedAt.Elapsed.TotalSeconds:0.00} s after the restart");
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task NodeStartedAfterAThousandRecordsExistGetsAllOfThem()
    {
        await using var first = await NodeProcess.StartAsync("first", TestPorts.Reserve());
        await using (var writer = new RecordWriter([first]))
        {
            await writer.WaitForAsync(1000);
            await writer.StopAsync();
        }

        var count = (await first.GetHoldingsAsync()).Records;
        Assert.True(count >= 1000);
        var joinedAt = Stopwatch.StartNew();
        await using var late = await NodeProcess.StartAsync("late", TestPorts.Reserve(), "--peers", first.Address);

        var holdings = await WaitConvergedAsync([first, late], count);
        output.WriteLine($"late joiner holds all {count} records ({holdings}) {joinedAt.Elapsed.TotalMilliseconds:0} ms after its process started");
    }

    [Fact]
    public async Task WithPeerExchangeAChainBecomesAMeshThatSurvivesLosingAMiddleNode()
    {
        var ports = Enumerable.Range(0, 5).Select(_ => TestPorts.Reserve()).ToArray();
        var nodes = new NodeProcess[5];
        try
        {
            await StartChainAsync(ports, nodes, "--target-peers", "3");

            foreach (var node in nodes)
            {
                await Eventually.UntilAsync(node.GetPeersAsync, p => p.Length >= 3, Timeouts.Converge, $"{node.Name} to reach 3 peers by peer exchange");
            }

            await nodes[2].KillAsync();
            var survivors = nodes.Where((_, i) => i != 2).ToArray();
            using (await nodes[0].Http.PostAsJsonAsync("/record", new { record = "from the head" }, TestContext.Current.CancellationToken))
            using (await nodes[4].Http.PostAsJsonAsync("/record", new { record = "from the tail" }, TestContext.Current.CancellationToken))
            {
            }

            var holdings = await WaitConvergedAsync(survivors, 2);
            foreach (var node in survivors)
            {
                Assert.NotEmpty(await node.GetPeersAsync());
            }

            output.WriteLine($"mesh degrees: {string.Join(", ", await Task.WhenAll(survivors.Select(async n => (await n.GetPeersAsync()).Length)))}; survivors converged at {holdings}");
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task PersistentNodeKeepsEveryAcknowledgedRecordAfterSigkill()
    {
        var dataDir = Directory.CreateTempSubdirectory("aspirep2p-data-").FullName;
        var port = TestPorts.Reserve();
        try
        {
            string nodeId;
            string[] acknowledged;
            await using (var node = await NodeProcess.StartAsync("persistent", port, "--data-dir", dataDir))
            {
                nodeId = (await node.GetNodeInfoAsync()).GetProperty("nodeId").GetString()!;
                await using var writer = new RecordWriter([node], parallelism: 8);
                await writer.WaitForAsync(300);
                // No stop, no flush: the process dies with writes in flight.
                await node.KillAsync();
                acknowledged = writer.AcknowledgedValues;
            }

            await using var restarted = await NodeProcess.StartAsync("persistent", port, "--data-dir", dataDir);
            var values = (await restarted.Http.GetFromJsonAsync<JsonElement[]>("/records", TestContext.Current.CancellationToken))!.Select(v => v.GetString()!).ToHashSet();

            Assert.True(acknowledged.Length >= 300);
            Assert.All(acknowledged, value => Assert.Contains(value, values));
            Assert.Equal(nodeId, (await restarted.GetNodeInfoAsync()).GetProperty("nodeId").GetString());
            output.WriteLine($"{acknowledged.Length} acknowledged, {values.Count} reloaded after SIGKILL");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task NodeKilledAndRestartedWithItsDataDirectoryNeverReissuesASeq()
    {
        // Records may leave a node before its log keeps them; if a restarted node issued one of their seqs again, peers
        // would hold two different records under one key. The feed's reservation survives SIGKILL, whatever the log keeps.
        var dataDir = Directory.CreateTempSubdirectory("aspirep2p-data-").FullName;
        var port = TestPorts.Reserve();
        try
        {
            string nodeId;
            string[] issued;
            await using (var node = await NodeProcess.StartAsync("persistent", port, "--data-dir", dataDir))
            {
                nodeId = (await node.GetNodeInfoAsync()).GetProperty("nodeId").GetString()!;
                await using var writer = new RecordWriter([node], parallelism: 4);
                await writer.WaitForAsync(100);
                await node.KillAsync();
                issued = writer.AcknowledgedKeys;
            }

            await using var restarted = await NodeProcess.StartAsync("persistent", port, "--data-dir", dataDir);
            using var response = await restarted.Http.PostAsJsonAsync("/record", new { record = "after the crash" }, TestContext.Current.CancellationToken);
            var key = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("key").GetString()!;

            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal(nodeId, (await restarted.GetNodeInfoAsync()).GetProperty("nodeId").GetString());
            Assert.All(issued, k => Assert.StartsWith(nodeId + "-", k, StringComparison.Ordinal));
            var before = issued.Max(Seq);
            Assert.True(Seq(key) > before, $"the restarted node issued {key} after {before}");
            output.WriteLine($"{issued.Length} acknowledged up to seq {before}; after SIGKILL the feed resumed at {key}");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static long Seq(string key) => long.Parse(key[(key.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Fills <paramref name="nodes"/> (so a failing start still gets the others disposed) with a chain on <paramref name="ports"/>.</summary>
    private static async Task StartChainAsync(int[] ports, NodeProcess[] nodes, params string[] extra)
    {
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = await StartChainNodeAsync(i, ports, extra);
        }
    }

    private static Task<NodeProcess> StartChainNodeAsync(int index, int[] ports, params string[] extra)
    {
        string[] peers = index == 0 ? [] : ["--peers", $"127.0.0.1:{ports[index - 1]}"];
        return NodeProcess.StartAsync($"node-{index}", ports[index], [.. peers, .. FastRedial, .. extra]);
    }

    private static async Task WaitHealthyAsync(IEnumerable<NodeProcess> nodes)
    {
        foreach (var node in nodes)
        {
            await Eventually.UntilAsync(node.IsHealthyAsync, Timeouts.Connect, $"{node.Name} to be healthy");
        }
    }

    /// <summary>Waits until every node holds at least <paramref name="count"/> records with one and the same digest.</summary>
    private static async Task<string> WaitConvergedAsync(IReadOnlyList<NodeProcess> nodes, int count)
    {
        var holdings = await Eventually.UntilAsync(
            () => Task.WhenAll(nodes.Select(n => n.GetHoldingsAsync())),
            h => h.All(x => x.Records >= count) && h.Select(x => x.Digest).Distinct().Count() == 1,
            Timeouts.Converge * 2,
            $"all {nodes.Count} nodes to hold the same {count} records");
        return holdings[0].Digest;
    }

    private static async Task DisposeAllAsync(IEnumerable<NodeProcess?> nodes)
    {
        foreach (var node in nodes)
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>Posts numbered records round-robin to some nodes, as fast as they acknowledge, until stopped.</summary>
    private sealed class RecordWriter : IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _acknowledged = new();
        private readonly ConcurrentQueue<string> _keys = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _writing;
        private int _next;

        public RecordWriter(NodeProcess[] targets, int parallelism = 2) =>
            _writing = Task.WhenAll(Enumerable.Range(0, parallelism).Select(w => WriteAsync(targets[w % targets.Length])));

        public int Acknowledged => _acknowledged.Count;

        public string[] AcknowledgedValues => [.. _acknowledged];

        /// <summary>The keys the nodes gave the acknowledged records (<c>&lt;node id&gt;-&lt;seq&gt;</c>).</summary>
        public string[] AcknowledgedKeys => [.. _keys];

        public Task WaitForAsync(int count) =>
            Eventually.UntilAsync(() => Task.FromResult(Acknowledged), n => n >= count, Timeouts.Converge, $"{count} acknowledged records");

        public async Task<int> StopAsync()
        {
            await _stop.CancelAsync();
            await _writing.WaitAsync(Timeouts.Stop);
            return Acknowledged;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            _stop.Dispose();
        }

        private async Task WriteAsync(NodeProcess target)
        {
            while (!_stop.IsCancellationRequested)
            {
                var value = $"record-{Interlocked.Increment(ref _next)}";
                try
                {
                    using var response = await target.Http.PostAsJsonAsync("/record", new { record = value }, _stop.Token);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        _acknowledged.Enqueue(value);
                        var body = await response.Content.ReadFromJsonAsync<JsonElement>(_stop.Token);
                        _keys.Enqueue(body.GetProperty("key").GetString()!);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    // The target was killed or the writer stopped: this one was never acknowledged.
                    if (_stop.IsCancellationRequested)
                    {
                        return;
                    }

                    await Task.Yield();
                }
            }
        }
    }
}
