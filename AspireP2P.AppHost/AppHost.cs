using AspireP2P.AppHost;

// A chain of P2P nodes: node-0 ← node-1 ← … ← node-{N-1}; each node dials its predecessor with --peers.
// Choose the size with `dotnet run --project AspireP2P.AppHost -- --nodes 5 --base-port 3030`,
// or with configuration (Network:Nodes, Network:BasePort; env Network__Nodes=5).
var builder = DistributedApplication.CreateBuilder(args);
builder.Configuration.AddNetworkCommandLine(args);
var network = builder.Configuration.GetNetworkOptions();

IResourceWithEndpoints? predecessor = null;
for (var i = 0; i < network.Nodes; i++)
{
    var name = $"node-{i}";
    var port = network.BasePort + i;

    // One resource per node (not WithReplicas): every node needs its own port, identity and --peers.
    predecessor = network.Launch == NodeLaunch.Project || builder.ExecutionContext.IsPublishMode
        ? builder.AddProject<Projects.AspireP2P_Node>(name, launchProfileName: null).AsP2PNode(port, predecessor, network).Resource
        : builder.AddNodeExecutable<Projects.AspireP2P_Node>(name).AsP2PNode(port, predecessor, network).Resource;
}

builder.Build().Run();
