using AspireP2P.Simulation;

// Simulates a whole network in one process: see README "Simulate a large network".
//   dotnet run -c Release --project AspireP2P.Simulation -- --nodes 1000 --target-peers 6 --seed 42 --scenario churn
// Prints a summary and ends with "converged: yes|no" and "fingerprint: <hex>"; exits 0 only when every invariant held.
//   dotnet run -c Release --project AspireP2P.Simulation -- overlay [--seed N] [--only shape|mixing|failure|broadcast|broadcast-small] [--graft-ms N]   (membership and broadcast policies, issue 21)
if (args is ["overlay", ..])
{
    // The membership and broadcast policies in the harness (issue 21): graph shapes, mass failure, eager/lazy vs flooding.
    var seed = Array.IndexOf(args, "--seed") is var at and > 0 && at + 1 < args.Length ? int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture) : 1;
    var only = Array.IndexOf(args, "--only") is var part and > 0 && part + 1 < args.Length ? args[part + 1] : "all";
    if (Array.IndexOf(args, "--graft-ms") is var graft and > 0 && graft + 1 < args.Length)
    {
        var first = TimeSpan.FromMilliseconds(int.Parse(args[graft + 1], System.Globalization.CultureInfo.InvariantCulture));
        AspireP2P.Simulation.Overlay.OverlayFigures.Tuning = new AspireP2P.Node.Broadcast.BroadcastOptions { GraftTimeout = first, RegraftTimeout = first / 2 };
    }

    AspireP2P.Simulation.Overlay.OverlayFigures.Print(Console.Out, seed, only);
    return 0;
}

var options = new SimulationOptions();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    int Number() => int.TryParse(Next(), out var value) && value >= 0 ? value : throw new ArgumentException($"{args[i - 1]} needs a whole number");
    options = args[i] switch
    {
        "--nodes" => options with { Nodes = Number() },
        "--target-peers" => options with { TargetPeers = Number() },
        "--max-peers" => options with { MaxPeers = Number() },
        "--seed" => options with { Seed = Number() },
        "--scenario" => options with { Scenario = Next() },
        "--records" => options with { Records = Number() },
        "--crypto" => options with { Crypto = Next() switch { "ed25519" => "ed25519", "simulated" => "simulated", _ => throw new ArgumentException("--crypto is ed25519 or simulated") } },
        "--loss" => options with { Network = options.Network with { LossPercent = Number() } },
        "--latency" => options with { Network = options.Network with { MaxLatency = TimeSpan.FromMilliseconds(Number()) } },
        "-h" or "--help" => throw new ArgumentException("usage"),
        var other => throw new ArgumentException($"unknown option {other}"),
    };
}

if (!Scenarios.Names.Contains(options.Scenario))
{
    Console.Error.WriteLine($"unknown scenario '{options.Scenario}'; choose {string.Join(", ", Scenarios.Names)}");
    return 2;
}

var report = new Simulation(options).Run();
Console.WriteLine(report.Format());
return report.Passed ? 0 : 1;
