// A chain of P2P nodes: node-0 ← node-1 ← … ← node-{N-1}; each node dials its predecessor with --peers.
// Choose the size with `dotnet run --project AspireP2P.AppHost -- --nodes 5 --base-port 3030`,
// or with configuration (Network:Nodes, Network:BasePort; env Network__Nodes=5). The network is AspireP2P.Hosting's.
var builder = DistributedApplication.CreateBuilder(args);
builder.Configuration.AddP2PNetworkCommandLine(args);
P2PNetworkOptions network;
bool sample;
try
{
    network = builder.Configuration.GetP2PNetworkOptions();
    sample = bool.TryParse(builder.Configuration["sample"] ?? "false", out var on) ? on
        : throw new P2PNetworkArgumentException($"--sample must be true or false, not '{builder.Configuration["sample"]}'.");
}
catch (P2PNetworkArgumentException bad)
{
    // One line that names the flag and what it allows; 2, as for any command-line usage error.
    await Console.Error.WriteLineAsync($"AspireP2P.AppHost: {bad.Message}");
    return 2;
}

// The nodes run the node project this AppHost builds (--launch Auto and NativeAot need it); the dashboard is the control room.
var p2p = builder.AddP2PNetwork<Projects.AspireP2P_Node>("network", network);

// --sample true: the chat sample, an ASP.NET Core app that hosts the node as a library, joins as one more node.
if (sample)
{
    builder.AddProject<Projects.AspireP2P_Samples_Chat>("chat", launchProfileName: null).JoinP2PNetwork(p2p);
}

await builder.Build().RunAsync();
return 0;
