using System.Collections.Concurrent;
using System.Net;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// Issue 15, case 3: a disk that fails, and a process killed under load. The node before the rewrite kept accepting records
/// after its log's writer died (some POSTs answered 201, one hung forever, others 500), sent records to peers before they
/// were on disk, and after a restart issued their sequence numbers again: peers saw a key's value change. Since issue 20 a
/// node whose log cannot write fails stop: it answers 503 (with the reason, never its data directory's path), says
/// Unhealthy, and exits with a non-zero code; restarted on a disk with room it recovers from its durable log.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class FailingDiskTests(ITestOutputHelper output)
{
    /// <summary>
    /// How long a POST may take before the test calls it hung (a healthy node answers in milliseconds; the bound is the
    /// suite's, not a speed claim, so a busy machine does not fail it).
    /// </summary>
    private static readonly TimeSpan PostBound = Timeouts.Request;

    [Fact]
    public async Task AFullDiskIsRefusedWithAReasonAndNoSeqIsIssuedAgainAfterTheRestart()
    {
        await using var peer = await NodeProcess.StartAsync("peer", TestPorts.Reserve());
        await using var disk = await TmpfsMount.MountAsync("1m");
        var dataDir = Path.Combine(disk.Path, "data");
        var port = TestPorts.Reserve();
        var broken = new List<string>();
        var acknowledged = new Dictionary<string, string>(StringComparer.Ordinal);
        var first = await NodeProcess.StartAsync("node", port, "--data-dir", dataDir, "--peers", peer.Address);
        NodeProcess? restarted = null;
        var node = first;
        try
        {
            await Eventually.UntilAsync(node.IsHealthyAsync, Timeouts.Connect, "the node to link to its peer");

            // Write until the disk is full; then a few more. Every answer comes within the bound: 201, or 503 with a reason.
            var pad = new string('x', 8000);
            PostAnswer? firstRefusal = null;
            for (var i = 0; i < 1000 && (firstRefusal is null || i < acknowledged.Count + 4); i++)
            {
                var value = $"{i}-{pad}";
                PostAnswer answer;
                try
                {
                    answer = await node.PostRecordAsync(value, PostBound);
                }
                catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
                {
                    broken.Add($"POST #{i} did not answer within {PostBound.TotalSeconds:0} s");
                    firstRefusal ??= new PostAnswer(default, null, "no answer within the bound");
                    continue;
                }
                catch (HttpRequestException) when (firstRefusal is not null && node.HasExited)
                {
                    // The node failed stop after its first refusal: it is gone, as it should be.
                    break;
                }

                if (answer.Created && firstRefusal is null)
                {
                    acknowledged[answer.Key!] = NodeApiReads.Json(value);
                    continue;
                }

                firstRefusal ??= answer;
                if (answer.Status != HttpStatusCode.ServiceUnavailable || !answer.Body.Contains("\"detail\"", StringComparison.Ordinal))
                {
                    broken.Add($"POST #{i} on a full disk answered {answer}");
                }

                if (answer.Body.Contains(disk.Path, StringComparison.Ordinal))
                {
                    broken.Add($"POST #{i} named the data directory: {answer}");
                }
            }

            Assert.True(firstRefusal is not null, "1000 records of 8 kB fitted on a 1 MiB disk");
            output.WriteLine($"{acknowledged.Count} acknowledged before the disk filled; then {firstRefusal}");

            // It fails stop: Unhealthy (with a reason that names no path) while it stops, then gone with a non-zero code.
            var exit = await node.WaitForExitAsync(Timeouts.Converge);
            if (exit != Node.Supervision.NodeFailure.ExitCode)
            {
                broken.Add($"the node with a full disk exited with {exit}");
            }

            if (!node.Output.Contains("the record log cannot write", StringComparison.Ordinal))
            {
                broken.Add($"the node's log does not say why it stopped: {node.Output}");
            }

            // What the peer holds now must never change.
            var seenByPeer = await peer.GetRecordMapAsync();

            // The operator frees space; the node restarts on its data.
            await disk.ResizeAsync("64m");
            restarted = await NodeProcess.StartAsync("node", port, "--data-dir", dataDir, "--peers", peer.Address);
            node = restarted;
            var reloaded = await node.GetRecordMapAsync();
            broken.AddRange(acknowledged.Where(a => !reloaded.TryGetValue(a.Key, out var v) || v != a.Value).Select(a => $"acknowledged {a.Key} is not what the restarted node holds"));

            var fresh = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                var answer = await node.PostRecordAsync($"after the restart {i}", PostBound);
                Assert.True(answer.Created, $"after the restart: {answer}");
                fresh.Add(answer.Key!);
            }

            await Eventually.UntilAsync(async () => fresh.All((await peer.GetRecordMapAsync()).ContainsKey), Timeouts.Converge, "the peer to receive the records posted after the restart");
            // Anti-entropy brings the peer whatever the node kept that the peer lacked when the node stopped.
            await Eventually.UntilAsync(
                async () => (await peer.GetHoldingsAsync()).Records >= (await node.GetHoldingsAsync()).Records,
                Timeouts.Converge,
                "the peer to hold everything the node stored");
            broken.AddRange(fresh.Where(seenByPeer.ContainsKey).Select(k => $"the restarted node issued {k} again"));
            broken.AddRange(Changed(seenByPeer, await peer.GetRecordMapAsync(), "the peer"));
            broken.AddRange(Changed(seenByPeer, await node.GetRecordMapAsync(), "the restarted node"));
            output.WriteLine($"the peer held {seenByPeer.Count} records before the restart; after it, {fresh.Count} new keys");
        }
        finally
        {
            await first.DisposeAsync();
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }
        }

        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public async Task ANodeKilledUnderLoadWithFsyncNeverIssuesASeqTwice()
    {
        const int Rounds = 6;
        var dataDir = Directory.CreateTempSubdirectory("aspirep2p-data-").FullName;
        var port = TestPorts.Reserve();
        var fsync = NodeLaunch.With(("P2P__Fsync", "true"));
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var broken = new List<string>();
        await using var peer = await NodeProcess.StartAsync("peer", TestPorts.Reserve());
        try
        {
            for (var round = 1; round <= Rounds; round++)
            {
                await using var node = await NodeProcess.StartAsync(fsync, "node", port, "--data-dir", dataDir, "--peers", peer.Address);
                await Eventually.UntilAsync(node.IsHealthyAsync, Timeouts.Connect, "the node to link to its peer");
                var acknowledged = await WriteThenKillAsync(node, round, records: 150);
                Note(acknowledged, $"acknowledged in round {round}");
                Note(await peer.GetRecordMapAsync(), $"held by the peer after kill {round}");
            }

            await using (var node = await NodeProcess.StartAsync(fsync, "node", port, "--data-dir", dataDir, "--peers", peer.Address))
            {
                var last = await node.PostRecordAsync("after the last restart", PostBound);
                Assert.True(last.Created, last.ToString());
                await Eventually.UntilAsync(async () => (await peer.GetRecordMapAsync()).ContainsKey(last.Key!), Timeouts.Converge, "the peer to receive the last record");
                Note(await node.GetRecordMapAsync(), "held by the node at the end");
                Note(await peer.GetRecordMapAsync(), "held by the peer at the end");
            }

            output.WriteLine($"{Rounds} kills under load with fsync; {seen.Count} keys seen");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }

        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken.Take(20)));

        void Note(IEnumerable<KeyValuePair<string, string>> records, string where)
        {
            foreach (var (key, value) in records)
            {
                if (seen.TryGetValue(key, out var earlier) && earlier != value && !broken.Any(b => b.StartsWith(key + " ", StringComparison.Ordinal)))
                {
                    broken.Add($"{key} was {Shorten(earlier)}, then {Shorten(value)} ({where})");
                }

                seen.TryAdd(key, value);
            }
        }
    }

    /// <summary>Eight writers post until <paramref name="records"/> are acknowledged; the node is killed while they still write.</summary>
    private static async Task<Dictionary<string, string>> WriteThenKillAsync(NodeProcess node, int round, int records)
    {
        var acknowledged = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var next = 0;
        var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var value = $"round {round} record {Interlocked.Increment(ref next)}";
                try
                {
                    var answer = await node.PostRecordAsync(value, PostBound);
                    if (answer.Created)
                    {
                        acknowledged[answer.Key!] = NodeApiReads.Json(value);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or TimeoutException)
                {
                    // The node was killed mid-request: not acknowledged.
                }
            }
        })).ToArray();
        await Eventually.UntilAsync(() => Task.FromResult(acknowledged.Count), n => n >= records, Timeouts.Converge, $"{records} acknowledged records");
        await node.KillAsync();
        await stop.CancelAsync();
        await Task.WhenAll(writers).WaitAsync(Timeouts.Stop);
        return new Dictionary<string, string>(acknowledged, StringComparer.Ordinal);
    }

    private static IEnumerable<string> Changed(Dictionary<string, string> before, Dictionary<string, string> after, string where) =>
        before.Where(b => after.TryGetValue(b.Key, out var now) && now != b.Value)
            .Select(b => $"{b.Key} changed at {where}: {Shorten(b.Value)} became {Shorten(after[b.Key])}");

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
