using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// The dashboard as the network's control room, on one 5-node mesh (<c>--target-peers 3</c>) with a spare: the Graph
/// follows the live links, each node's row carries its state, the <c>network</c> resource says whether the nodes have
/// converged, crash and burst work on a click, and a spare joins when started.
/// </summary>
[Trait(Tier.Category, Tier.Aspire)]
[Collection(AspireNetworks.Name)]
public sealed class ControlRoomTests(MeshNetwork network) : IClassFixture<MeshNetwork>
{
    [Fact]
    public async Task GraphEdgesAreTheLinksTheNodesReportAndFollowADisconnect()
    {
        await Eventually.UntilAsync(network.TopologyMismatchesAsync, m => m.Count == 0, Timeouts.Converge, "every node's Graph edges to equal its links");

        // Peer exchange made a mesh: the Graph shows more than the declared chain, and no node points at itself.
        var snapshots = await Task.WhenAll((await network.RunningNodesAsync()).Select(async n => (Node: n, Snapshot: await network.SnapshotAsync(n))));
        Assert.Contains(snapshots, s => s.Snapshot.Relationships.Length >= 3);
        Assert.All(snapshots, s => Assert.DoesNotContain(s.Node, ControlRoomNetwork.Relationships(s.Snapshot)));
        // The declared bootstrap peer stays recognisable: node-1 was started with --peers node-0.
        var node1 = snapshots.Single(s => s.Node == "node-1").Snapshot;
        Assert.Contains(node1.Relationships, r => r.ResourceName == "node-0" && r.Type == LiveTopology.BootstrapLink);
        Assert.All(snapshots.SelectMany(s => s.Snapshot.Relationships), r => Assert.Contains(r.Type, new[] { LiveTopology.BootstrapLink, LiveTopology.PeerLink }));

        // Dropping a node's links: whatever the nodes re-dial, the Graph ends up equal to the links again.
        using var http = network.CreateClient(0);
        using var disconnect = await http.PostAsync("/api/peers/disconnect", content: null, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.True(disconnect.IsSuccessStatusCode);
        await Eventually.UntilAsync(network.TopologyMismatchesAsync, m => m.Count == 0, Timeouts.Converge, "the Graph to follow the disconnect");
    }

    [Fact]
    public async Task StoppedNodeLeavesTheGraphItsDependentSaysWhyItIsDegradedAndStartBringsItBack()
    {
        const string Stopped = "node-3";
        const string Dependent = "node-4"; // started with --peers node-3
        await network.App.ResourceNotifications.WaitForResourceHealthyAsync(Dependent, TestContext.Current.CancellationToken).WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);

        var stop = await network.ExecuteAsync(Stopped, KnownResourceCommands.StopCommand);
        Assert.True(stop.Success, stop.Message);

        // Nobody draws an edge to the stopped node, and it draws none.
        foreach (var node in await network.RunningNodesAsync())
        {
            await network.WaitForSnapshotAsync(node, s => !ControlRoomNetwork.Relationships(s).Contains(Stopped), Timeouts.Converge, $"{node} to drop its edge to {Stopped}");
        }

        await network.WaitForSnapshotAsync(Stopped, s => s.Relationships.IsEmpty, Timeouts.Converge, $"{Stopped} to have no edges");

        // Its dependent's health report names the missing bootstrap peer and since when it is missing.
        var address = network.App.GetEndpoint(Stopped, "http").Authority;
        var degraded = await network.WaitForSnapshotAsync(
            Dependent,
            s => s.HealthReports.Any(r => r.Name == NodeStateProperties.HealthReportName && r.Status == HealthStatus.Degraded),
            Timeouts.Converge,
            $"{Dependent} to report Degraded");
        var report = degraded.HealthReports.Single(r => r.Name == NodeStateProperties.HealthReportName);
        Assert.Equal(HealthStatus.Degraded, degraded.HealthStatus);
        Assert.Contains(address, report.Description, StringComparison.Ordinal);
        Assert.Contains("since", report.Description, StringComparison.Ordinal);

        var start = await network.ExecuteAsync(Stopped, KnownResourceCommands.StartCommand);
        Assert.True(start.Success, start.Message);
        await network.App.ResourceNotifications.WaitForResourceHealthyAsync(Stopped, WaitBehavior.WaitOnResourceUnavailable, TestContext.Current.CancellationToken).WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);
        await network.WaitForSnapshotAsync(Stopped, s => !s.Relationships.IsEmpty, Timeouts.Converge, $"{Stopped} to be linked again");
        await Eventually.UntilAsync(network.TopologyMismatchesAsync, m => m.Count == 0, Timeouts.Converge, "the Graph to include the restarted node");
        await network.WaitForSnapshotAsync(
            Dependent, s => s.HealthStatus == HealthStatus.Healthy, Timeouts.Converge, $"{Dependent} to be healthy once its bootstrap peer is back");
    }

    [Fact]
    public async Task NodeRowShowsTheNodesLiveStateAndLinksItsApiReference()
    {
        const string Node = "node-2";
        await network.PostRecordAsync(Node, $"row {Guid.NewGuid():N}");
        var info = await network.NodeInfoAsync(Node);
        var records = info.GetProperty("records").GetInt64();

        var snapshot = await network.WaitForSnapshotAsync(
            Node, s => Property(s, NodeStateProperties.Records) is long shown && shown >= records, Timeouts.Converge, $"{Node}'s row to show {records} records");
        Assert.Equal(info.GetProperty("digest").GetString(), Property(snapshot, NodeStateProperties.Digest));
        Assert.IsType<int>(Property(snapshot, NodeStateProperties.Peers));
        foreach (var name in new[] { NodeStateProperties.Behind, NodeStateProperties.Lag, NodeStateProperties.Rejected, NodeStateProperties.Dropped })
        {
            Assert.IsType<long>(Property(snapshot, name));
        }

        Assert.Contains(snapshot.Urls, u => u.DisplayProperties.DisplayName == "API reference" && u.Url.EndsWith("/scalar", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CrashKillsTheProcessWithoutAGracefulShutdownAndStartCatchesItUp()
    {
        const string Crashed = "node-2";
        var running = await network.SnapshotAsync(Crashed);
        var pid = Convert.ToInt32(running.Properties.Single(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);

        var crash = await network.ExecuteAsync(Crashed, FaultCommands.Crash);

        Assert.True(crash.Success, crash.Message);
        var exited = await network.WaitForSnapshotAsync(
            Crashed, s => KnownResourceStates.TerminalStates.Contains(s.State?.Text), Timeouts.Converge, $"{Crashed} to exit");
        // A graceful stop ends the process with exit code 0; a SIGKILL leaves no code of its own.
        Assert.NotEqual(0, exited.ExitCode);
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid));
        // Its row keeps nothing of the live node: no "linked to 2 peers", no records, no links.
        await network.WaitForSnapshotAsync(
            Crashed,
            s => s.HealthReports.All(r => r.Name != NodeStateProperties.HealthReportName) && s.Properties.All(p => p.Name == NodeStateProperties.StopReason || !p.Name.StartsWith("p2p.", StringComparison.Ordinal)) && s.Relationships.IsEmpty,
            Timeouts.Converge,
            $"{Crashed}'s row to drop its live state");

        var missed = await network.PostRecordAsync("node-0", $"while {Crashed} was down {Guid.NewGuid():N}");
        var start = await network.ExecuteAsync(Crashed, KnownResourceCommands.StartCommand);
        Assert.True(start.Success, start.Message);
        // Just after Start the snapshot can still show the crashed run's terminal state, which the default wait behaviour
        // takes for a failed start; this waits through it (bounded).
        await network.App.ResourceNotifications.WaitForResourceHealthyAsync(Crashed, WaitBehavior.WaitOnResourceUnavailable, TestContext.Current.CancellationToken).WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);

        await Eventually.UntilAsync(
            () => network.GetRecordsAsync(2), records => records.Any(r => r.GetString() == missed), Timeouts.Converge, $"'{missed}' at the restarted {Crashed}");
        await network.WaitForEqualDigestsAsync("every node to hold the same records after the crash");
    }

    [Fact]
    public async Task NetworkGoesDivergingWhileANodeIsDownAndConvergedOnceItCaughtUp()
    {
        const string Crashed = "node-1";
        await network.WaitForSnapshotAsync(ControlRoomNetwork.Network, s => s.State?.Text == Convergence.Converged, Timeouts.Converge, "a converged network");

        var crash = await network.ExecuteAsync(Crashed, FaultCommands.Crash);
        Assert.True(crash.Success, crash.Message);
        await network.PostRecordAsync("node-0", $"diverging {Guid.NewGuid():N}");

        var diverging = await network.WaitForSnapshotAsync(
            ControlRoomNetwork.Network,
            s => s.State?.Text == Convergence.Diverging && Property(s, NetworkResource.Laggards) is string laggards && laggards.Contains(Crashed, StringComparison.Ordinal),
            Timeouts.Converge,
            $"the network to name {Crashed} as a laggard");
        Assert.Equal(KnownResourceStateStyles.Warn, diverging.State!.Style);

        var start = await network.ExecuteAsync(Crashed, KnownResourceCommands.StartCommand);
        Assert.True(start.Success, start.Message);
        var converged = await network.WaitForSnapshotAsync(
            ControlRoomNetwork.Network, s => s.State?.Text == Convergence.Converged, Timeouts.AppHostStart, "the network to converge again");
        Assert.Equal("none", Property(converged, NetworkResource.Laggards));
        await network.WaitForEqualDigestsAsync("every node to hold the same records");
    }

    [Fact]
    public async Task BurstCommandPostsTheRecordsAskedForAndTheyReachEveryNode()
    {
        await network.WaitForEqualDigestsAsync("a converged network before the burst");
        var before = (await network.NodeInfoAsync("node-3")).GetProperty("records").GetInt64();

        var burst = await network.ExecuteAsync("node-4", FaultCommands.Burst, ("count", "200"));

        Assert.True(burst.Success, burst.Message);
        Assert.Contains("Posted 200 of 200", burst.Message, StringComparison.Ordinal);
        // The network row says Converged again only from reads that show the burst everywhere, never from older ones.
        var converged = await network.WaitForSnapshotAsync(
            ControlRoomNetwork.Network, s => s.State?.Text == Convergence.Converged, Timeouts.AppHostStart, "the network to converge after the burst");
        Assert.True(Property(converged, NetworkResource.MaxRecords) is long max && max >= before + 200, $"Converged with {Property(converged, NetworkResource.MaxRecords)} records, before the burst's {before + 200}");
        foreach (var node in await network.RunningNodesAsync())
        {
            Assert.True((await network.NodeInfoAsync(node)).GetProperty("records").GetInt64() >= before + 200, $"{node} lacks the burst although the network row says Converged");
        }

        await Eventually.UntilAsync(
            async () => (await network.NodeInfoAsync("node-3")).GetProperty("records").GetInt64(), records => records >= before + 200, Timeouts.Converge,
            "the burst at node-3");
        await network.WaitForEqualDigestsAsync("every node to hold the burst");
    }

    [Fact]
    public async Task SpareStartedLateJoinsAndHoldsEveryRecord()
    {
        var spare = MeshNetwork.Spare;
        Assert.Equal(KnownResourceStates.NotStarted, (await network.SnapshotAsync(spare)).State?.Text);
        var earlier = await network.PostRecordAsync("node-4", $"before the spare {Guid.NewGuid():N}");

        var start = await network.ExecuteAsync(spare, KnownResourceCommands.StartCommand);

        Assert.True(start.Success, start.Message);
        await network.App.ResourceNotifications.WaitForResourceHealthyAsync(spare, WaitBehavior.WaitOnResourceUnavailable, TestContext.Current.CancellationToken).WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);
        await network.WaitForSnapshotAsync(spare, s => !s.Relationships.IsEmpty, Timeouts.Converge, "the spare to show its links");
        using (var http = network.CreateClient(spare))
        {
            await Eventually.UntilAsync(
                () => http.GetFromJsonAsync<JsonElement[]>("/records", TestContext.Current.CancellationToken), records => records!.Any(r => r.GetString() == earlier), Timeouts.Converge,
                $"'{earlier}' at the spare");
        }

        await network.WaitForEqualDigestsAsync("the spare to hold every record");
    }

    private static object? Property(CustomResourceSnapshot snapshot, string name) => snapshot.Properties.FirstOrDefault(p => p.Name == name)?.Value;
}
