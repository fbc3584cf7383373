using Aspire.Hosting;
using Aspire.Hosting.Testing;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// The network's trace budget in the AppHost's model, built without starting anything: <c>--traces-per-second</c> (how
/// a developer keeps more traces while debugging) is shared out among the nodes, each starting its share.
/// </summary>
[Trait(Tier.Category, Tier.Aspire)]
public sealed class NetworkTelemetryModelTests
{
    [Theory]
    [InlineData(new[] { "--nodes", "5" }, "1")]
    [InlineData(new[] { "--nodes", "4", "--traces-per-second", "50" }, "12.5")]
    [InlineData(new[] { "--nodes", "2", "--spares", "1", "--Telemetry:TracesPerSecond=10" }, "5")]
    [InlineData(new[] { "--nodes", "3", "--traces-per-second", "0" }, "0")]
    public async Task EachNodeStartsItsShareOfTheNetworksTraceBudget(string[] args, string perNode)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(args, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        var nodes = ControlRoomModelTests.Nodes(builder).ToList();
        Assert.NotEmpty(nodes);
        foreach (var node in nodes)
        {
            var environment = await ControlRoomModelTests.EvaluateEnvironmentAsync(node, DistributedApplicationOperation.Run);
            Assert.Equal(perNode, environment["P2P__TracesPerSecond"]);
        }
    }
}
