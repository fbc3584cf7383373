using AspireP2P.Simulation;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Simulation;

/// <summary>
/// Whole networks of real node cores in the simulator (in-memory transport, simulated clock, one seed): every scenario
/// converges with every invariant held, and a run is exactly reproducible from its seed.
/// </summary>
[Trait(Tier.Category, Tier.Simulation)]
[Collection(SimulationsRunAlone.Name)]
public sealed class SimulationTests
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData("steady")]
    [InlineData("churn")]
    [InlineData("partition")]
    [InlineData("bridge")]
    [InlineData("crash-restart")]
    [InlineData("skew")]
    [InlineData("disk")]
    [InlineData("faults")]
    public async Task EveryNodeEndsWithEveryAcknowledgedRecordInEachScenario(string scenario)
    {
        var report = await RunAsync(new SimulationOptions { Nodes = 100, Records = 150, Scenario = scenario, Seed = 7 });

        Assert.True(report.Passed, report.Format());
        Assert.Empty(report.Violations);
        Assert.True(report.Acknowledged > 0, report.Format());
        Assert.True(report.LinksMin >= 1, report.Format());
    }

    [Fact]
    public async Task TheSameSeedReplaysTheSameRun()
    {
        var options = new SimulationOptions { Nodes = 60, Records = 80, Scenario = "churn", Seed = 1234 };

        var first = await RunAsync(options);
        var second = await RunAsync(options);
        var other = await RunAsync(options with { Seed = 4321 });

        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.Equal(first.Steps, second.Steps);
        Assert.NotEqual(first.Fingerprint, other.Fingerprint);
    }

    [Fact]
    public async Task ExceptionsInjectedIntoNodesPartsReplayFromTheSeedAndLoseNothing()
    {
        // Issue 20: parts that throw what nobody expected. Links close and are re-dialed, loops restart, nodes past a
        // loop's restart intensity fail stop and come back with their data; the seed replays it all, exception for exception.
        var options = new SimulationOptions { Nodes = 60, Records = 80, Scenario = "faults", Seed = 99 };

        var first = await RunAsync(options);
        var second = await RunAsync(options);

        Assert.True(first.Passed, first.Format());
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.Contains(first.Events, e => e.Contains("failed stop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FloodingCostsAboutOneMessagePerLinkPerDelivery()
    {
        var report = await RunAsync(new SimulationOptions { Nodes = 100, Records = 100, TargetPeers = 6, Seed = 11 });

        // Each node relays a record once to every link but the one it came on: with about 6-8 links per node that is
        // 5-8 messages per delivery (gossipsub's D = 6 mesh measures about 6.3); far more would mean records are echoed.
        Assert.True(report.Passed, report.Format());
        Assert.InRange(report.MessagesPerDelivery, 3, 10);
    }

    [Fact]
    public async Task NodesWhoseBootstrapPeerIsFullStillJoinTheOneMesh()
    {
        // Few slots per node, so bootstrap peers fill up: a refused node dials the peers the full one names
        // (X-P2P-Peers) and keeps slots for its own dials. Without either, this run ends as 25 islands.
        var report = await RunAsync(new SimulationOptions { Nodes = 200, Records = 100, TargetPeers = 3, MaxPeers = 4, Seed = 3 });

        Assert.True(report.Passed, report.Format());
        Assert.Equal(1, report.Components);
    }

    /// <summary>The simulation binds to the thread it is built on: build and run it on one pool thread, bounded in time.</summary>
    private static Task<SimulationReport> RunAsync(SimulationOptions options) =>
        Task.Run(() => new AspireP2P.Simulation.Simulation(options).Run(), TestContext.Current.CancellationToken).WaitAsync(RunLimit, TestContext.Current.CancellationToken);
}
