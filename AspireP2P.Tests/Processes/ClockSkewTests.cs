using System.Net;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// Issue 15, case 4: a conflict (two records under one key) met by a node whose clock is an hour behind. The node before
/// the rewrite settled conflicts by "the later creation time wins" and dropped timestamps more than 60 s in the
/// receiver's future, so the two nodes compared different inputs, each kept its own value, and the whole log was re-sent
/// every few seconds, forever. The skew is the process's own clock (libfaketime), so nothing in the node knows about it.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class ClockSkewTests(ITestOutputHelper output)
{
    /// <summary>An hour behind; timers keep the real monotonic clock (a negative uptime would confuse them).</summary>
    private static readonly NodeLaunch HourBehind = new(
        new Dictionary<string, string> { ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1" }, ["faketime", "-f", "-1h"]);

    [Fact]
    public async Task AConflictMetByANodeAnHourBehindConvergesAndTheLogIsNotResentForever()
    {
        TestTools.PathOf("faketime"); // fails at once, with how to install it, on a machine without it
        var dataDir = Path.Combine(Directory.CreateTempSubdirectory("aspirep2p-data-").FullName, "data");
        using var backup = new DataDirectoryBackup();
        var port = TestPorts.Reserve();
        await using var peer = await NodeProcess.StartAsync("peer", TestPorts.Reserve());
        try
        {
            await using (var node = await NodeProcess.StartAsync("node", port, "--data-dir", dataDir, "--peers", peer.Address))
            {
                for (var i = 1; i <= 3; i++)
                {
                    Assert.True((await node.PostRecordAsync($"shared {i}")).Created);
                }

                await Eventually.UntilAsync(async () => (await peer.GetHoldingsAsync()).Records == 3, Timeouts.Converge, "the peer to hold the first 3 records");
                await node.KillAsync();
            }

            backup.Take(dataDir);
            string first;
            await using (var node = await NodeProcess.StartAsync("node", port, "--data-dir", dataDir, "--peers", peer.Address))
            {
                first = (await node.PostRecordAsync("written on the real clock")).Key!;
                await Eventually.UntilAsync(async () => (await peer.GetRecordMapAsync()).ContainsKey(first), Timeouts.Converge, $"the peer to receive {first}");
                await node.KillAsync();
            }

            // The node comes back on its older state, an hour behind, apart (on another port: nobody re-dials it), and writes
            // under the same key again: a conflict. Then it links to the peer.
            backup.RestoreTo(dataDir);
            await using var skewed = await NodeProcess.StartAsync(HourBehind, "skewed", TestPorts.Reserve(), "--data-dir", dataDir);
            using (var response = await skewed.Http.GetAsync("/", TestContext.Current.CancellationToken))
            {
                var behind = DateTimeOffset.UtcNow - response.Headers.Date!.Value;
                Assert.True(behind > TimeSpan.FromMinutes(50), $"the skewed node's clock is {behind} behind: faketime does not reach .NET");
            }

            var second = await skewed.PostRecordAsync("written an hour behind");
            Assert.True(second.Created, second.ToString());
            Assert.Equal(first, second.Key);
            Assert.Equal(HttpStatusCode.Created, await skewed.AddPeerAsync(peer));

            // One winner on both nodes...
            var converged = await Eventually.UntilAsync(
                () => Task.WhenAll(peer.GetHoldingsAsync(), skewed.GetHoldingsAsync()),
                h => h[0] == h[1],
                Timeouts.Converge,
                "the peer and the skewed node to hold the same records");
            var (peerValue, skewedValue) = ((await peer.GetRecordMapAsync())[first], (await skewed.GetRecordMapAsync())[first]);
            Assert.Equal(peerValue, skewedValue);
            output.WriteLine($"{first}: both hold {peerValue}; digest {converged[0].Digest}");

            // ...and, converged, nothing is sent again: records received stay put over five heartbeats.
            var received = await Task.WhenAll(peer.GetTotalAsync("received"), skewed.GetTotalAsync("received"));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(5))
            {
                var now = await Task.WhenAll(peer.GetTotalAsync("received"), skewed.GetTotalAsync("received"));
                Assert.True(now.SequenceEqual(received), $"records still arrive after convergence: received {received[0]}/{received[1]}, now {now[0]}/{now[1]}");
                await Task.Delay(TimeSpan.FromMilliseconds(250), TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dataDir)!, recursive: true);
        }
    }
}
