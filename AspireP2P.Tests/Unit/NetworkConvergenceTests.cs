using AspireP2P.AppHost;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireP2P.Tests.Unit;

/// <summary>How the <c>network</c> resource decides between Converged and Diverging, from what the nodes report.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class NetworkConvergenceTests
{
    private const string Running = "Running";

    [Fact]
    public void EqualDigestsOnEveryStartedNodeAreConvergedAndUnstartedSparesDoNotCount()
    {
        var convergence = Convergence.Evaluate([Node("node-0", 7, "a"), Node("node-1", 7, "a"), new NodeSample("spare-0", "NotStarted", null)]);

        Assert.Equal(Convergence.Converged, convergence.State);
        Assert.Equal((7L, 2, 2), (convergence.MaxRecords, convergence.Running, convergence.Declared));
        Assert.Empty(convergence.Laggards);
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
            new NodeSample("node-3", "Finished", null), new NodeSample("node-4", Running, null),
        ]);

        Assert.Equal(Convergence.Diverging, convergence.State);
        Assert.Equal(
            [("node-2", LagKind.Different), ("node-3", LagKind.Down), ("node-4", LagKind.NotAnswering)],
            convergence.Laggards.Select(l => (l.Name, l.Kind)).ToArray());
        Assert.Equal(2, convergence.Digests);
    }

    [Fact]
    public void NoRunningNodeIsNeitherConvergedNorDiverging()
    {
        var convergence = Convergence.Evaluate([new NodeSample("node-0", "Starting", null)]);

        Assert.Equal(Convergence.NoNodes, convergence.State);
    }

    private static NodeSample Node(string name, long records, string digest) =>
        new(name, Running, new NodeStatus(name, records, digest, 2, 0, 0, 0, new NodeHealth(HealthStatus.Healthy, null, null), null, []));
}
