using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Hosts;

/// <summary>
/// A host cut off by the kernel (its packets dropped, no FIN, no RST) is noticed only by heartbeats; once the
/// network heals, it and the others exchange what each side stored meanwhile, and nothing is lost.
/// (The trust tests across hosts, "a host without the network key cannot join", belong in this folder as well.)
/// </summary>
[Trait(Tier.Category, Tier.Hosts)]
[Collection(HostsRunAlone.Name)]
public sealed class PartitionTests(ITestOutputHelper output)
{
    /// <summary>The node's defaults: a heartbeat every second, a peer silent for 3 s is taken for dead.</summary>
    private static readonly TimeSpan HeartbeatBound = TimeSpan.FromSeconds(3) + TimeSpan.FromSeconds(1);

    /// <summary>
    /// A link that has not carried a heartbeat yet when the cut came (just dialed) is covered by the dialer's WebSocket
    /// pings as well: one every 2 s, a 5 s deadline for the answer.
    /// </summary>
    private static readonly TimeSpan PingBound = TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(5);

    /// <summary>
    /// The suite's bound, not the protocol's: a node that never notices fails it, a busy machine's late timers do not
    /// (the time it took is printed next to the two bounds).
    /// </summary>
    private static readonly TimeSpan DetectionDeadline = Timeouts.Converge > PingBound ? Timeouts.Converge : PingBound;

    private const int Cut = 3;
    private const int RecordsPerSide = 50;

    [Fact]
    public async Task PartitionedHostIsDetectedByItsNeighboursAndCaughtUpAfterHealingWithNothingLost()
    {
        await using var network = await HostNetwork.StartChainAsync(5, "--target-peers", "3");
        var neighbours = await LinkedToCutHostAsync(network);

        await network.PartitionAsync(Cut);
        var detection = await WaitUntilForgottenAsync(network, neighbours);
        var posted = await PostOnBothSidesAsync(network);

        var healing = Stopwatch.StartNew();
        await network.HealAsync();
        var digest = await network.WaitConvergedAsync(posted.Count, Timeouts.Converge * 2);
        output.WriteLine($"silent partition of host {Cut} detected by hosts {string.Join(", ", neighbours)} after {detection.TotalSeconds:0.00} s; " +
            $"{posted.Count} records posted on both sides caught up on all 5 hosts {healing.Elapsed.TotalSeconds:0.00} s after healing ({digest})");
        await AssertEveryHostHoldsAsync(network, posted);
    }

    [Fact]
    public async Task HostWhosePacketsAreDroppedOneWayIsDetectedAndHeals()
    {
        await using var network = await HostNetwork.StartChainAsync(5, "--target-peers", "3");
        var neighbours = await LinkedToCutHostAsync(network);

        await network.PartitionOneWayAsync(Cut);
        var detection = await WaitUntilForgottenAsync(network, neighbours);
        var posted = await PostOnBothSidesAsync(network);

        var healing = Stopwatch.StartNew();
        await network.HealAsync();
        await network.WaitConvergedAsync(posted.Count, Timeouts.Converge * 2);
        output.WriteLine($"one-way partition of host {Cut} (its packets dropped) detected by hosts {string.Join(", ", neighbours)} after " +
            $"{detection.TotalSeconds:0.00} s; {posted.Count} records everywhere {healing.Elapsed.TotalSeconds:0.00} s after healing");
        await AssertEveryHostHoldsAsync(network, posted);
    }

    /// <summary>Waits until the cut host's chain neighbours are linked with it, and returns every host that is.</summary>
    private static async Task<int[]> LinkedToCutHostAsync(HostNetwork network)
    {
        foreach (var neighbour in new[] { Cut - 1, Cut + 1 })
        {
            await Eventually.UntilAsync(() => network.IsLinkedAsync(neighbour, Cut), Timeouts.Connect, $"host {neighbour} to be linked with host {Cut}");
        }

        var linked = new List<int>();
        foreach (var host in network.Hosts.Where(h => h != Cut))
        {
            if (await network.IsLinkedAsync(host, Cut))
            {
                linked.Add(host);
            }
        }

        return [.. linked];
    }

    private static async Task<TimeSpan> WaitUntilForgottenAsync(HostNetwork network, int[] neighbours)
    {
        var cut = Stopwatch.StartNew();
        await Task.WhenAll(neighbours.Select(host => Eventually.UntilAsync(
            async () => !await network.IsLinkedAsync(host, Cut), DetectionDeadline,
            $"host {host} to notice that host {Cut} went silent (heartbeat bound {HeartbeatBound.TotalSeconds:0} s, ping bound {PingBound.TotalSeconds:0} s)")));
        return cut.Elapsed;
    }

    /// <summary>Posts records at the cut host and at host 1 while they cannot reach each other.</summary>
    private static async Task<List<string>> PostOnBothSidesAsync(HostNetwork network)
    {
        var posted = new List<string>();
        for (var i = 0; i < RecordsPerSide; i++)
        {
            foreach (var host in new[] { 1, Cut })
            {
                var value = $"host-{host}-during-{i}";
                using var response = await network[host].Http.PostAsJsonAsync("/record", new { record = value }, TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                posted.Add(value);
            }
        }

        return posted;
    }

    private static async Task AssertEveryHostHoldsAsync(HostNetwork network, List<string> posted)
    {
        foreach (var node in network.Nodes)
        {
            var held = (await node.Http.GetFromJsonAsync<JsonElement[]>("/records", TestContext.Current.CancellationToken))!
                .Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()).ToHashSet();
            Assert.All(posted, value => Assert.Contains(value, held));
        }
    }
}
