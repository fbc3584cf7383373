using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireP2P.Tests.Unit;

/// <summary>How the <c>network</c> resource decides between Converged and Diverging, from one round of what the nodes report.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class NetworkConvergenceTests
{
    private const string Running = "Running";

    [Fact]
    public void EqualDigestsOnEveryStartedNodeAreConvergedAndUnstartedSparesDoNotCount()
    {
        var convergence = Convergence.Evaluate([Node("node-0", 7, "a"), Node("node-1", 7, "a"), new NodeSample("spare-0", "NotStarted", null) { Spare = true }]);

        Assert.Equal(Convergence.Converged, convergence.State);
        Assert.Equal((7L, 2, 2), (convergence.MaxRecords, convergence.Running, convergence.Declared));
        Assert.Empty(convergence.Laggards);
        Assert.Equal("Converged: 2 of 2 nodes running, 7 records", convergence.Summary);
    }

    [Fact]
    public void CountsArePluralizedRight()
    {
        Assert.Equal("Converged: 1 of 1 node running, 1 record", Convergence.Evaluate([Node("node-0", 1, "a")]).Summary);
        Assert.Equal("Converged: 2 of 2 nodes running, 0 records", Convergence.Evaluate([Node("node-0", 0, "a"), Node("node-1", 0, "a")]).Summary);
    }

    [Fact]
    public void LaggardsAreNamedWithHowFarBehindTheFullestNodeTheyAre()
    {
        var behind = Node("node-2", 4, "b");
        var convergence = Convergence.Evaluate([Node("node-0", 10, "a"), behind, Node("node-1", 10, "a")]);

        Assert.Equal(Convergence.Diverging, convergence.State);
        var laggard = Assert.Single(convergence.Laggards);
        Assert.Equal(("node-2", LagKind.Behind, (long?)6), (laggard.Name, laggard.Kind, laggard.Behind));
        Assert.Equal(6, convergence.BehindOf(behind));
        Assert.Contains("node-2: 6 behind", convergence.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void DownAndSilentNodesAndOtherRecordsOfTheSameCountAreLaggardsToo()
    {
        var convergence = Convergence.Evaluate(
        [
            Node("node-0", 5, "a"), Node("node-1", 5, "a"), Node("node-2", 5, "other"),
            new NodeSample("node-3", "Finished", null), new NodeSample("node-4", Running, null) { Answered = true },
        ]);

        Assert.Equal(Convergence.Diverging, convergence.State);
        Assert.Equal(
            [("node-2", LagKind.Different), ("node-3", LagKind.Down), ("node-4", LagKind.NotAnswering)],
            convergence.Laggards.Select(l => (l.Name, l.Kind)).ToArray());
        Assert.Equal(2, convergence.Digests);
    }

    [Fact]
    public void ANodeThatStoppedWithAReasonIsNamedWithItsReasonAndExitCode()
    {
        var convergence = Convergence.Evaluate(
        [
            Node("node-0", 5, "a"),
            new NodeSample("node-1", "Exited", null) { ExitCode = 134, StopReason = "Failed to bind to address http://localhost:3031: address already in use." },
        ]);

        Assert.Equal("Diverging: node-1: exited with code 134: Failed to bind to address http://localhost:3031: address already in use.", convergence.Summary);
    }

    [Fact]
    public void NodesComingUpMakeTheNetworkStartingNotAnInventedCount()
    {
        var starting = Convergence.Evaluate(
            [new NodeSample("node-0", "Starting", null), new NodeSample("node-1", Running, null), new NodeSample("node-2", null, null)]);
        var halfUp = Convergence.Evaluate([Node("node-0", 0, "a"), new NodeSample("node-1", Running, null)]);

        Assert.Equal(Convergence.Starting, starting.State);
        Assert.Equal("Starting: node-0: starting, holds nothing yet; node-1: starting, not answering yet; node-2: starting, holds nothing yet", starting.Summary);
        Assert.Equal(Convergence.Starting, halfUp.State);
        Assert.DoesNotContain("No nodes running", starting.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void ANodeTheRoundCouldNotReadMakesItCheckingNeverConverged()
    {
        var convergence = Convergence.Evaluate([Node("node-0", 3, "a"), Node("node-1", 3, "a") with { Fresh = false, Status = null }]);

        Assert.Equal(Convergence.Checking, convergence.State);
        Assert.Equal(LagKind.Unread, Assert.Single(convergence.Laggards).Kind);
    }

    [Fact]
    public void EveryNodeDownIsNoNodesRunningAndSaysWhy()
    {
        var convergence = Convergence.Evaluate([new NodeSample("node-0", "Exited", null) { ExitCode = 137 }, new NodeSample("node-1", "Finished", null)]);

        Assert.Equal(Convergence.NoNodes, convergence.State);
        Assert.Equal("No nodes running: node-0: exited with code 137, holds nothing; node-1: finished, holds nothing", convergence.Summary);
    }

    private static NodeSample Node(string name, long records, string digest) =>
        new(name, Running, new NodeStatus(name, records, digest, 2, 0, 0, 0, new NodeHealth(HealthStatus.Healthy, null, null), null, [])) { Answered = true };
}
