using AspireP2P.Simulation;

// Simulates a whole network in one process: see README "Simulate a large network".
//   dotnet run -c Release --project AspireP2P.Simulation -- --nodes 1000 --target-peers 6 --seed 42 --scenario churn
// Prints a summary and ends with "converged: yes|no" and "fingerprint: <hex>"; exits 0 only when every invariant held.
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
