using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// The dashboard's fault commands that the node carries out itself (<c>/api/dev/*</c>, on because the AppHost starts
/// nodes with <c>--dev-faults true</c> in run mode): partition, slow or lossy links, heal and heal all.
/// </summary>
[Trait(Tier.Category, Tier.Aspire)]
[Collection(AspireNetworks.Name)]
public sealed class FaultCommandTests(FaultNetwork network, ITestOutputHelper output) : IClassFixture<FaultNetwork>
{
    /// <summary>The node's heartbeat timeout (P2P:HeartbeatTimeout): neighbours take a silent node for dead after it.</summary>
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task PartitionedNodeIsReportedDeadByItsNeighboursAndGetsWhatItMissedWhenThePartitionEnds()
    {
        const string Partitioned = "node-2";
        await network.WaitForEqualDigestsAsync("a converged network");
        // Long enough that the neighbours can only have noticed through heartbeats, not through its end.
        var seconds = (int)(HeartbeatTimeout.TotalSeconds * 5);

        var partition = await network.ExecuteAsync(Partitioned, FaultCommands.Partition, ("seconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.True(partition.Success, partition.Message);
        var partitioned = DateTimeOffset.UtcNow;
        var until = partitioned.AddSeconds(seconds);
        var neighbours = (await network.RunningNodesAsync()).Where(n => n != Partitioned).ToList();
        foreach (var neighbour in neighbours)
        {
            await Eventually.UntilAsync(
                () => network.LiveLinksAsync(neighbour), links => !links.Contains(Partitioned), Timeouts.Converge, $"{neighbour} to drop its link to {Partitioned}");
        }

        Assert.True(DateTimeOffset.UtcNow < until, "the neighbours noticed only after the partition ended");
        output.WriteLine($"every neighbour of {Partitioned} dropped its link {(DateTimeOffset.UtcNow - partitioned).TotalSeconds:0.0} s after the partition began (heartbeat timeout {HeartbeatTimeout.TotalSeconds:0} s)");

        var meanwhile = await network.PostRecordAsync("node-0", $"during the partition {Guid.NewGuid():N}");
        await network.WaitForSnapshotAsync(
            ControlRoomNetwork.Network,
            s => s.State?.Text == Convergence.Diverging && s.Properties.Any(p => p.Name == NetworkResource.Laggards && $"{p.Value}".Contains(Partitioned, StringComparison.Ordinal)),
            Timeouts.Converge,
            $"the network to name {Partitioned} as a laggard");
        Assert.DoesNotContain(meanwhile, await RecordsAsync(Partitioned));

        // When the partition ends by itself, the node is linked again and catches up.
        await Eventually.UntilAsync(
            () => RecordsAsync(Partitioned), records => records.Contains(meanwhile), Timeouts.Converge + TimeSpan.FromSeconds(seconds),
            $"'{meanwhile}' at {Partitioned} after the partition");
        await network.WaitForSnapshotAsync(ControlRoomNetwork.Network, s => s.State?.Text == Convergence.Converged, Timeouts.Converge, "the network to converge");
    }

    [Fact]
    public async Task SlowLossyLinksStillDeliverEveryRecordAndHealClearsThem()
    {
        const string Slow = "node-1";
        var faults = await network.ExecuteAsync(Slow, FaultCommands.LinkFaults, ("latencyMs", "150"), ("jitterMs", "50"), ("lossPercent", "30"));
        Assert.True(faults.Success, faults.Message);
        var state = await FaultsAsync(Slow);
        Assert.Equal((150, 50, 30.0), (state.GetProperty("latencyMs").GetInt32(), state.GetProperty("jitterMs").GetInt32(), state.GetProperty("lossPercent").GetDouble()));

        var values = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            values.Add(await network.PostRecordAsync(Slow, $"through a lossy link {i} {Guid.NewGuid():N}"));
        }

        await network.WaitForEqualDigestsAsync("records from the lossy node everywhere");
        Assert.All(await Task.WhenAll((await network.RunningNodesAsync()).Select(RecordsAsync)), records => Assert.Superset(values.ToHashSet(), records.ToHashSet()));

        var heal = await network.ExecuteAsync(Slow, FaultCommands.Heal);
        Assert.True(heal.Success, heal.Message);
        state = await FaultsAsync(Slow);
        Assert.Equal((0, 0, 0.0), (state.GetProperty("latencyMs").GetInt32(), state.GetProperty("jitterMs").GetInt32(), state.GetProperty("lossPercent").GetDouble()));
    }

    [Fact]
    public async Task HealAllEndsEveryPartition()
    {
        string[] partitioned = ["node-0", "node-3"];
        foreach (var node in partitioned)
        {
            var partition = await network.ExecuteAsync(node, FaultCommands.Partition, ("seconds", "3600"));
            Assert.True(partition.Success, partition.Message);
        }

        var meanwhile = await network.PostRecordAsync("node-1", $"before heal all {Guid.NewGuid():N}");
        var heal = await network.ExecuteAsync(ControlRoomNetwork.Network, FaultCommands.HealAll);

        Assert.True(heal.Success, heal.Message);
        foreach (var node in partitioned)
        {
            Assert.Equal(JsonValueKind.Null, (await FaultsAsync(node)).GetProperty("partitionedUntil").ValueKind);
            await Eventually.UntilAsync(() => RecordsAsync(node), records => records.Contains(meanwhile), Timeouts.Converge, $"'{meanwhile}' at healed {node}");
        }

        await network.WaitForSnapshotAsync(ControlRoomNetwork.Network, s => s.State?.Text == Convergence.Converged, Timeouts.Converge, "the network to converge");
    }

    [Fact]
    public async Task TheTestingHelpersPartitionAndHealANodeAndAwaitWhatItMissed()
    {
        var p2p = network.Testing;
        const string Cut = "node-3";
        await p2p.WaitForConvergenceAsync(Timeouts.Converge, TestContext.Current.CancellationToken);

        await p2p.PartitionAsync(Cut, TimeSpan.FromHours(1), TestContext.Current.CancellationToken);
        var meanwhile = $"while {Cut} is cut off {Guid.NewGuid():N}";
        await p2p.PostRecordAsync("node-0", meanwhile, TestContext.Current.CancellationToken);

        // A partitioned node takes nothing in, so waiting for the record everywhere runs into its deadline, naming it.
        var missing = await Assert.ThrowsAsync<TimeoutException>(() => p2p.WaitForRecordEverywhereAsync(meanwhile, TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken));
        Assert.Contains($"at {Cut}", missing.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(meanwhile, await RecordsAsync(Cut));

        await p2p.HealAsync(Cut, TestContext.Current.CancellationToken);
        await p2p.WaitForRecordEverywhereAsync(meanwhile, Timeouts.Converge, TestContext.Current.CancellationToken);
        await p2p.WaitForConvergenceAsync(Timeouts.Converge, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task TheTestingHelpersRefuseWhatTheyCannotDo()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => network.Testing.PartitionAsync("node-1", TimeSpan.Zero, TestContext.Current.CancellationToken));
        var unknown = Assert.Throws<ArgumentException>(() => AspireP2P.Testing.P2PTestNetwork.For(network.App, "no-such-network"));
        Assert.Contains("[network]", unknown.Message, StringComparison.Ordinal);
    }

    private async Task<JsonElement> FaultsAsync(string node)
    {
        using var http = network.CreateClient(node);
        return await http.GetFromJsonAsync<JsonElement>("/api/dev/faults", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
    }

    private async Task<string[]> RecordsAsync(string node)
    {
        using var http = network.CreateClient(node);
        var records = await http.GetFromJsonAsync<JsonElement[]>("/records", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        return [.. records!.Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!)];
    }
}

/// <summary>Four nodes in a full mesh, so every node has several neighbours to notice its faults.</summary>
public sealed class FaultNetwork() : ControlRoomNetwork(4, "--target-peers", "3");
