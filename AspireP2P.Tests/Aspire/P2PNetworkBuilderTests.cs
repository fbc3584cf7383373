using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// AspireP2P.Hosting's public API as a consumer's AppHost calls it, in code (no command line), built without starting
/// anything: the fluent methods shape the network after <c>AddP2PNetwork</c>, an out-of-range value is refused and
/// changes nothing, and an app that joins gets the node's settings.
/// </summary>
[Trait(Tier.Category, Tier.Aspire)]
public sealed class P2PNetworkBuilderTests
{
    [Fact]
    public async Task TheFluentMethodsShapeTheNetworkAfterItIsAdded()
    {
        var builder = NewAppHost();

        var network = builder.AddP2PNetwork<NodeProject>("p2p", new P2PNetworkOptions { Nodes = 2, Launch = P2PNodeLaunch.Executable })
            .WithBasePort(47200)
            .WithTargetPeers(3)
            .WithTracesPerSecond(8)
            .WithSpares(1);

        Assert.Equal(["node-0", "node-1", "spare-0"], network.Resource.Nodes.Select(n => n.Name));
        Assert.Equal([47200, 47201, 47202], network.Resource.Nodes.Select(n => n.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http").Port));
        foreach (var node in network.Resource.Nodes)
        {
            var environment = await ControlRoomModelTests.EvaluateEnvironmentAsync(node, DistributedApplicationOperation.Run);
            // The budget is the network's, shared among the nodes that start with it.
            Assert.Equal("4", environment["P2P__TracesPerSecond"]);
            var args = await ControlRoomModelTests.EvaluateArgsAsync(node);
            Assert.Equal("3", args[args.IndexOf("--target-peers") + 1]);
        }
    }

    [Fact]
    public void AnOutOfRangeValueIsRefusedAndTheNetworkStaysAsItWas()
    {
        var builder = NewAppHost();
        var network = builder.AddP2PNetwork<NodeProject>("p2p", new P2PNetworkOptions { Nodes = 3, Launch = P2PNodeLaunch.Executable }).WithTargetPeers(2);

        var peers = Assert.Throws<ArgumentOutOfRangeException>(() => network.WithTargetPeers(P2PNetworkOptions.MaxTargetPeers + 1));
        var budget = Assert.Throws<ArgumentOutOfRangeException>(() => network.WithTracesPerSecond(-1));
        var port = Assert.Throws<ArgumentOutOfRangeException>(() => network.WithBasePort(65534));

        Assert.Equal("targetPeers", peers.ParamName);
        Assert.Equal("tracesPerSecond", budget.ParamName);
        Assert.Contains("leaves no room for 3 ports", port.Message, StringComparison.Ordinal);
        Assert.Equal((2, P2PNetworkOptions.DefaultTracesPerSecond, (int?)null),
            (network.Resource.Options.TargetPeers, network.Resource.Options.TracesPerSecond, network.Resource.Options.BasePort));
    }

    [Fact]
    public void TheNodeThePackageShipsCannotBeLaunchedAsAProject()
    {
        var builder = NewAppHost();

        var error = Assert.Throws<ArgumentException>(() => builder.AddP2PNetwork("p2p", new P2PNetworkOptions { Launch = P2PNodeLaunch.Project }));

        Assert.Contains("needs the node's project", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAppThatJoinsGetsTheNodeSettingsAndExtendsTheChain()
    {
        var builder = NewAppHost();
        var network = builder.AddP2PNetwork<NodeProject>("p2p", new P2PNetworkOptions { Nodes = 2, Launch = P2PNodeLaunch.Executable });

        var app = builder.AddProject("chat", NodeProject.RepositoryPath("samples", "AspireP2P.Samples.Chat", "AspireP2P.Samples.Chat.csproj"), launchProfileName: null)
            .JoinP2PNetwork(network);

        Assert.Contains(app.Resource, network.Resource.Nodes);
        var environment = await ControlRoomModelTests.EvaluateEnvironmentAsync(app.Resource, DistributedApplicationOperation.Run);
        var peer = Assert.IsType<EndpointReference>(environment["P2P__Peers"]);
        Assert.Equal("node-1", peer.Resource.Name);
        Assert.Equal("chat", environment["P2P__Name"]);
        Assert.Equal("true", environment["P2P__RequireSignatures"]);
        Assert.Same(network.Resource.NetworkKey, environment["P2P__NetworkKey"]);
        // The settings come as P2P__* variables: the app's own command line is its own.
        Assert.Empty(await ControlRoomModelTests.EvaluateArgsAsync(app.Resource));
    }

    /// <summary>A consumer's AppHost builder in run mode; only its model is read.</summary>
    private static IDistributedApplicationBuilder NewAppHost() =>
        DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = [], DisableDashboard = true });

    /// <summary>The node's project in this checkout, as <c>Projects.AspireP2P_Node</c> names it in an AppHost.</summary>
    private sealed class NodeProject : IProjectMetadata
    {
        public string ProjectPath => RepositoryPath("AspireP2P.Node", "AspireP2P.Node.csproj");

        public static string RepositoryPath(params string[] parts) =>
            Path.Combine([RepositoryRoot.Find() ?? throw new InvalidOperationException("no AspireP2P.sln above the tests"), .. parts]);
    }
}
