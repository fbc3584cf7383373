using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>The AppHost's model, built from its command line without starting any process.</summary>
[Trait(Tier.Category, Tier.Aspire)]
public sealed class AppHostModelTests
{
    [Theory]
    [InlineData(new string[0], 3, 3030)]
    [InlineData(new[] { "--nodes", "4", "--base-port", "4100" }, 4, 4100)]
    [InlineData(new[] { "--Network:Nodes=2", "--Network:BasePort=5000" }, 2, 5000)]
    public async Task CommandLineChoosesTheNodesAndTheirPorts(string[] args, int nodes, int basePort)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(args, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        var nodeResources = builder.Resources.Where(r => r.Name.StartsWith("node-", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(0, nodes).Select(AspireNetwork.NodeName), nodeResources.Select(r => r.Name));
        for (var i = 0; i < nodes; i++)
        {
            var node = nodeResources[i];
            var endpoint = Assert.Single(node.Annotations.OfType<EndpointAnnotation>());
            Assert.Equal(("http", basePort + i), (endpoint.Name, endpoint.Port));
            // Its probe reads what /health says (Healthy, Degraded, Unhealthy), not only the status code (NodeHealthCheck).
            Assert.Equal($"{node.Name}_health", Assert.Single(node.Annotations.OfType<HealthCheckAnnotation>()).Key);

            // Its display name (its page's title, its peers' /api/peers) is its resource name.
            var nodeArgs = await EvaluateArgsAsync(node);
            Assert.Equal(node.Name, nodeArgs[nodeArgs.IndexOf("--name") + 1]);

            // Each node but the first is started with --peers = its predecessor's endpoint, drawn as an edge in the Graph view.
            var peers = nodeArgs.IndexOf("--peers");
            var relationships = node.Annotations.OfType<ResourceRelationshipAnnotation>().Where(r => r.Type == "Reference" && r.Resource != node).Select(r => r.Resource.Name).Distinct().ToList();
            if (i == 0)
            {
                Assert.Equal(-1, peers);
                Assert.Empty(relationships);
            }
            else
            {
                var predecessor = Assert.IsType<EndpointReference>(nodeArgs[peers + 1]);
                Assert.Equal(AspireNetwork.NodeName(i - 1), predecessor.Resource.Name);
                Assert.Equal([AspireNetwork.NodeName(i - 1)], relationships);
            }
        }
    }

    [Fact]
    public async Task DataDirGivesEachNodeItsOwnDirectoryAndTargetPeersTurnsOnPeerExchange()
    {
        var root = Path.Combine(Path.GetTempPath(), "aspirep2p-model");
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(
            ["--nodes", "2", "--data-dir", root, "--target-peers", "3"], TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        for (var i = 0; i < 2; i++)
        {
            var nodeArgs = await EvaluateArgsAsync(builder.Resources.Single(r => r.Name == AspireNetwork.NodeName(i)));
            Assert.Equal(Path.Combine(root, AspireNetwork.NodeName(i)), nodeArgs[nodeArgs.IndexOf("--data-dir") + 1]);
            Assert.Equal("3", nodeArgs[nodeArgs.IndexOf("--target-peers") + 1]);
        }
    }

    [Fact]
    public async Task UnderTheTestingBuilderTheDefaultLaunchRunsTheJitBuildAndNeverPublishes()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(["--nodes", "2"], TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        foreach (var node in builder.Resources.Where(r => r.Name.StartsWith("node-", StringComparison.Ordinal)))
        {
            var command = Assert.IsType<ExecutableResource>(node).Command;
            Assert.EndsWith(Path.Combine("net10.0", "AspireP2P.Node"), command, StringComparison.Ordinal);
            Assert.DoesNotContain("NativeAot", command, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WithoutDataDirNodesKeepRecordsInMemory()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(["--nodes", "1"], TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        var nodeArgs = await EvaluateArgsAsync(builder.Resources.Single(r => r.Name == AspireNetwork.NodeName(0)));
        Assert.DoesNotContain("--data-dir", nodeArgs);
        Assert.DoesNotContain("--target-peers", nodeArgs);
    }

    private static async Task<List<object>> EvaluateArgsAsync(IResource node)
    {
        var args = new List<object>();
        var context = new CommandLineArgsCallbackContext(args);
        foreach (var callback in node.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(context).WaitAsync(Timeouts.Request);
        }

        return args;
    }
}
