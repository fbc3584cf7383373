using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>The control room in the AppHost's model, built without starting anything: secrets, faults, spares, publish mode.</summary>
[Trait(Tier.Category, Tier.Aspire)]
public sealed class ControlRoomModelTests
{
    private static readonly string[] FaultCommandNames = [FaultCommands.Partition, FaultCommands.LinkFaults, FaultCommands.Heal, FaultCommands.Crash, FaultCommands.Burst];

    [Fact]
    public async Task EveryNodeGetsBothSecretParametersAndRunsStrict()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(["--nodes", "2", "--spares", "1"], TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        var parameters = builder.Resources.OfType<ParameterResource>().ToDictionary(p => p.Name);
        Assert.True(parameters["api-key"].Secret);
        Assert.True(parameters["network-key"].Secret);
        foreach (var node in Nodes(builder))
        {
            var environment = await EvaluateEnvironmentAsync(node, DistributedApplicationOperation.Run);
            Assert.Same(parameters["api-key"], environment["P2P__ApiKey"]);
            Assert.Same(parameters["network-key"], environment["P2P__NetworkKey"]);
            var args = await EvaluateArgsAsync(node);
            Assert.Equal("true", args[args.IndexOf("--require-signatures") + 1]);
            // The secrets never appear on the command line, which every local user can read.
            Assert.DoesNotContain(args, a => a is ParameterResource);
        }
    }

    [Fact]
    public async Task RunModeGivesEveryNodeTheDevelopmentFaultsAndTheNetworkItsRow()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(["--nodes", "2"], TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        foreach (var node in Nodes(builder))
        {
            var args = await EvaluateArgsAsync(node);
            Assert.Equal("true", args[args.IndexOf("--dev-faults") + 1]);
            Assert.Superset(FaultCommandNames.ToHashSet(), node.Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name).ToHashSet());
        }

        var network = Assert.Single(builder.Resources.OfType<P2PNetworkResource>());
        Assert.Equal(ControlRoom.NetworkResourceName, network.Name);
        Assert.Contains(network.Annotations.OfType<ResourceCommandAnnotation>(), c => c.Name == FaultCommands.HealAll);
    }

    [Fact]
    public async Task SparesAreDeclaredAfterTheNodesAndStartOnlyWhenAsked()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(
            ["--nodes", "3", "--spares", "2", "--base-port", "4200"], TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        var spares = builder.Resources.Where(r => r.Name.StartsWith("spare-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["spare-0", "spare-1"], spares.Select(s => s.Name));
        Assert.Equal([4203, 4204], spares.Select(s => s.Annotations.OfType<EndpointAnnotation>().Single().Port));
        Assert.All(spares, s => Assert.Single(s.Annotations.OfType<ExplicitStartupAnnotation>()));
        Assert.All(Nodes(builder).Where(n => n.Name.StartsWith("node-", StringComparison.Ordinal)), n => Assert.Empty(n.Annotations.OfType<ExplicitStartupAnnotation>()));

        // A spare joins whichever node runs when it starts; with nothing running yet, the first node.
        var args = await EvaluateArgsAsync(spares[0]);
        var peer = Assert.IsType<EndpointReferenceExpression>(args[args.IndexOf("--peers") + 1]);
        Assert.Equal("node-0", peer.Endpoint.Resource.Name);
    }

    [Fact]
    public async Task PublishModeHasNoFaultsNoSparesAndNoNetworkRowInTheManifest()
    {
        var manifest = Path.Combine(Path.GetTempPath(), $"aspirep2p-{Guid.NewGuid():N}.json");
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AspireP2P_AppHost>(
            ["--nodes", "2", "--spares", "1", "--publisher", "manifest", "--output-path", manifest], TestContext.Current.CancellationToken).WaitAsync(Timeouts.Start, TestContext.Current.CancellationToken);

        Assert.True(builder.ExecutionContext.IsPublishMode);
        // The network's resource exists in the model (AddP2PNetwork returns it) but is left out of the manifest, commandless.
        var network = Assert.Single(builder.Resources.OfType<P2PNetworkResource>());
        Assert.Equal(ManifestPublishingCallbackAnnotation.Ignore, Assert.Single(network.Annotations.OfType<ManifestPublishingCallbackAnnotation>()));
        Assert.Empty(network.Annotations.OfType<ResourceCommandAnnotation>());
        Assert.DoesNotContain(builder.Resources, r => r.Name.StartsWith("spare-", StringComparison.Ordinal));
        foreach (var node in Nodes(builder))
        {
            Assert.DoesNotContain("--dev-faults", await EvaluateArgsAsync(node));
            Assert.DoesNotContain(node.Annotations.OfType<ResourceCommandAnnotation>(), c => FaultCommandNames.Contains(c.Name));
        }
    }

    internal static IEnumerable<IResource> Nodes(IDistributedApplicationTestingBuilder builder) =>
        builder.Resources.Where(r => r.Name.StartsWith("node-", StringComparison.Ordinal) || r.Name.StartsWith("spare-", StringComparison.Ordinal));

    internal static async Task<List<object>> EvaluateArgsAsync(IResource node)
    {
        var args = new List<object>();
        var context = new CommandLineArgsCallbackContext(args);
        foreach (var callback in node.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(context).WaitAsync(Timeouts.Request);
        }

        return args;
    }

    internal static async Task<Dictionary<string, object>> EvaluateEnvironmentAsync(IResource node, DistributedApplicationOperation operation)
    {
        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(operation), environment);
        foreach (var callback in node.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context).WaitAsync(Timeouts.Request);
        }

        return environment;
    }
}
