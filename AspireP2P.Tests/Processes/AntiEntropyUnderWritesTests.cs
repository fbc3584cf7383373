using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// Issue 15, case 5: repair while writes go on. The node before the rewrite re-sent its log only when both digests had
/// stayed unchanged for three heartbeats, so one write a second anywhere held repair back; and a peer never sent a
/// persistent node the records that had come from it (marked by its log id, which survives restarts), so a node that lost
/// records of its own could not get them back while writes continued.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class AntiEntropyUnderWritesTests(ITestOutputHelper output)
{
    /// <summary>
    /// How soon a node that lacks records must have them, writes or not (before the fix: never, while writes went on). The
    /// suite's bound, not a speed claim: the time it took is printed.
    /// </summary>
    private static readonly TimeSpan RepairBound = Timeouts.Converge;

    [Fact]
    public async Task ARestartedNodeGetsBackTheRecordsItLostWhileAnotherNodeWritesEverySecond()
    {
        var dataDir = Path.Combine(Directory.CreateTempSubdirectory("aspirep2p-data-").FullName, "data");
        using var backup = new DataDirectoryBackup();
        var port = TestPorts.Reserve();
        await using var peer = await NodeProcess.StartAsync("peer", TestPorts.Reserve());
        try
        {
            await using (var node = await NodeProcess.StartAsync("node", port, "--data-dir", dataDir, "--peers", peer.Address))
            {
                Assert.True((await node.PostRecordAsync("kept")).Created);
                await Eventually.UntilAsync(async () => (await peer.GetHoldingsAsync()).Records == 1, Timeouts.Converge, "the peer to hold the first record");
                await node.KillAsync();
            }

            backup.Take(dataDir);
            string[] lost = ["lost 1", "lost 2", "lost 3"];
            await using (var node = await NodeProcess.StartAsync("node", port, "--data-dir", dataDir, "--peers", peer.Address))
            {
                foreach (var value in lost)
                {
                    Assert.True((await node.PostRecordAsync(value)).Created);
                }

                await Eventually.UntilAsync(async () => (await peer.GetHoldingsAsync()).Records == 4, Timeouts.Converge, "the peer to hold the node's 4 records");
                await node.KillAsync();
            }

            // The node loses its last records (its disk goes back to the copy) and comes back while the peer writes every second.
            backup.RestoreTo(dataDir);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            var written = 0;
            var writing = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        Assert.True((await peer.PostRecordAsync($"every second {Interlocked.Increment(ref written)}")).Created);
                        await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Stopped.
                }
            }, stop.Token);
            try
            {
                await Eventually.UntilAsync(() => Task.FromResult(written), n => n >= 2, Timeouts.Converge, "the peer to be writing");
                await using var restarted = await NodeProcess.StartAsync("node", port, "--data-dir", dataDir, "--peers", peer.Address);
                var back = System.Diagnostics.Stopwatch.StartNew();
                await Eventually.UntilAsync(
                    async () =>
                    {
                        var held = await restarted.GetValuesAsync();
                        return lost.Select(NodeApiReads.Json).Where(v => !held.Contains(v)).ToArray();
                    },
                    missing => missing.Length == 0,
                    RepairBound,
                    "the restarted node to get back the records it lost, while the peer writes every second");
                output.WriteLine($"lost records back {back.Elapsed.TotalSeconds:0.0} s after the restart; the peer had written {written} records meanwhile");
            }
            finally
            {
                await stop.CancelAsync();
                await writing.WaitAsync(Timeouts.Stop, TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dataDir)!, recursive: true);
        }
    }
}
