using AspireP2P.AppHost;

// A chain of P2P nodes: node-0 ← node-1 ← … ← node-{N-1}; each node dials its predecessor with --peers.
// Choose the size with `dotnet run --project AspireP2P.AppHost -- --nodes 5 --base-port 3030`,
// or with configuration (Network:Nodes, Network:BasePort; env Network__Nodes=5).
var builder = DistributedApplication.CreateBuilder(args);
builder.Configuration.AddNetworkCommandLine(args);
NetworkOptions network;
try
{
    network = builder.Configuration.GetNetworkOptions();
    NetworkTelemetry.Validate(builder.Configuration);
}
catch (NetworkArgumentException bad)
{
    // One line that names the flag and what it allows; 2, as for any command-line usage error.
    await Console.Error.WriteLineAsync($"AspireP2P.AppHost: {bad.Message}");
    return 2;
}

// The network's secrets, its dashboard row, the live view and the fault commands (ControlRoom.cs).
var room = ControlRoom.Add(builder, network);

IResourceWithEndpoints? predecessor = null;
for (var i = 0; i < network.Nodes; i++)
{
    predecessor = builder.AddP2PNode($"node-{i}", network.BasePort + i, predecessor, network, room).Resource;
}

// --spares N: more nodes that start only when asked, each joining a running node.
builder.AddSpares(network, room);

// The record traces the network starts per second, and the dashboard's telemetry limits (NetworkTelemetry.cs).
builder.AddNetworkTelemetry(room.Nodes, network.Nodes);

await builder.Build().RunAsync();
return 0;
