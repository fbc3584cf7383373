using System.Globalization;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>
/// Why a node under the AppHost costs more CPU per record than the same node standalone, one suspect at a time. Each
/// round starts the real AppHost (3-node chain) and measures it; while it runs, it starts <em>replicas</em>: a standalone
/// chain of the same binary with exactly the environment and flags the AppHost gave its nodes (read from /proc), so they
/// export to the same dashboard, and then the same with one thing changed (the Release binary, no OTLP export, metrics
/// exported every 60 s, Production environment, no console logging, no development faults). Then the AppHost with its
/// live view off, and the plain standalone chain. Each arm: 5 s idle, {Wrk.Command} at the last node, every node then
/// holds every record; CPU per record of the nodes (and, for the AppHost arms, of every AppHost process by role).
/// </summary>
public sealed class SuspectsPart : ComparePart
{
    /// <summary>Replica variants: what each changes in the environment and flags the AppHost gave its nodes.</summary>
    private static readonly (string Id, string Name, Action<Dictionary<string, string>, List<string>, CodeUnderTest> Change)[] Replicas =
    [
        ("replica", "Replica: the AppHost's node binary, environment and flags, standalone, exporting to the AppHost's dashboard", (_, _, _) => { }),
        ("replica.release", "…with the Release JIT build instead of the binary the AppHost runs", (_, args, code) => args[0] = code.ReleaseNode),
        ("replica.no-otlp", "…without OTLP export (OTEL_EXPORTER_OTLP_ENDPOINT unset)", (env, _, _) => env.Remove("OTEL_EXPORTER_OTLP_ENDPOINT")),
        ("replica.metrics-60s", "…metrics exported every 60 s instead of 5 s", (env, _, _) => env["OTEL_METRIC_EXPORT_INTERVAL"] = "60000"),
        ("replica.production", "…in the Production environment instead of Development", (env, _, _) =>
        {
            env["DOTNET_ENVIRONMENT"] = "Production";
            env["ASPNETCORE_ENVIRONMENT"] = "Production";
        }),
        ("replica.no-console", "…with console logging off (what DCP captures)", (env, _, _) => env["Logging__Console__LogLevel__Default"] = "None"),
        ("replica.no-faults", "…without --dev-faults true", (_, args, _) =>
        {
            var at = args.IndexOf("--dev-faults");
            if (at > 0)
            {
                args.RemoveRange(at, 2);
            }
        }),
    ];

    private readonly CompareOptions _options;
    private readonly Dictionary<string, (Figure Rate, Figure Cpu)> _arms = [];
    private readonly AppHostFigures _appHost;
    private readonly AppHostFigures _liveOff;

    public SuspectsPart(Side side, CompareOptions options) : base(side)
    {
        _options = options;
        var report = side.Report;
        var n = options.AppHostNodes;
        var topology = $"{n}-node chain, POST at the last node, {Wrk.Command} for {options.Duration:0} s";
        _appHost = new AppHostFigures(report, "suspects.apphost", "AppHost as users run it", n, topology, null);
        _liveOff = new AppHostFigures(report, "suspects.apphost.live-off", "AppHost with --live-interval 0 (no live view reads)", n, topology, null);
        Add("standalone", "Standalone chain, Release, default settings");
        foreach (var (id, name, _) in Replicas)
        {
            Add(id, name);
        }

        void Add(string id, string name)
        {
            var rate = report.Add($"suspects.{id}", name, "records/s", higherIsBetter: true);
            _arms[id] = (rate, report.Add($"suspects.{id}.cpu", "…CPU per record, the nodes", "µs"));
        }
    }

    public override int Rounds => _options.AppHostRuns;

    public override async Task RoundAsync(int round)
    {
        await Side.Code.EnsureDefaultLaunchReadyAsync(Side.Report);
        var n = _options.AppHostNodes;
        await using (var run = AppHostRun.Start(Side.Code.Root, n, []))
        {
            await _appHost.MeasureAsync(run, _options.Duration, Side.Report);
            Console.WriteLine($"  [{Side.Label}] suspects round {round + 1}: {_appHost.Last}");
            var pids = run.NodePids().OrderBy(pid => Array.IndexOf(ProcFs.CommandLine(pid), "--name") is var at and >= 0 ? ProcFs.CommandLine(pid)[at + 1] : "").ToArray();
            var environments = pids.Select(ProcFs.EnvironmentOf).ToArray();
            var commandLines = pids.Select(ProcFs.CommandLine).ToArray();
            foreach (var (id, _, change) in Measure.Rotate(Replicas, round))
            {
                var (rate, cpu) = await ReplicaAsync(environments, commandLines, change);
                _arms[id].Rate.Runs.Add(rate);
                _arms[id].Cpu.Runs.Add(cpu);
                Console.WriteLine($"  [{Side.Label}] suspects round {round + 1}: {id}: {rate:0} records/s, {cpu:0} µs of node CPU per record");
            }
        }

        await using (var run = AppHostRun.Start(Side.Code.Root, n, ["--live-interval", "0"]))
        {
            await _liveOff.MeasureAsync(run, _options.Duration, Side.Report);
            Console.WriteLine($"  [{Side.Label}] suspects round {round + 1}: live view off: {_liveOff.Last}");
        }

        var (standaloneRate, standaloneCpu) = await ChainAsync(n, (i, port, previous) =>
            Side.Servers.OursAsync($"standalone {i}", null, previous is null ? [] : ["--peers", $"127.0.0.1:{previous}"]));
        _arms["standalone"].Rate.Runs.Add(standaloneRate);
        _arms["standalone"].Cpu.Runs.Add(standaloneCpu);
        Console.WriteLine($"  [{Side.Label}] suspects round {round + 1}: standalone: {standaloneRate:0} records/s, {standaloneCpu:0} µs of node CPU per record");
    }

    private Task<(double Rate, double Cpu)> ReplicaAsync(Dictionary<string, string>[] environments, string[][] commandLines,
        Action<Dictionary<string, string>, List<string>, CodeUnderTest> change) =>
        ChainAsync(environments.Length, (i, port, previous) =>
        {
            var environment = new Dictionary<string, string>(environments[i]);
            var args = commandLines[i].ToList();
            Set(args, "--port", port.ToString(CultureInfo.InvariantCulture));
            Set(args, "--public-address", $"localhost:{port}");
            Set(args, "--name", $"replica-{i}");
            var peers = args.IndexOf("--peers");
            if (peers > 0)
            {
                args.RemoveRange(peers, 2);
            }

            if (previous is { } p)
            {
                args.AddRange(["--peers", $"http://localhost:{p}"]);
            }

            change(environment, args, Side.Code);
            return ServerProcess.StartAsync($"replica {i}", args[0], args.Skip(1), environment, port: port, exactEnvironment: true);
        });

    /// <summary>A chain of n nodes (node i dials node i-1), measured as the AppHost arm is: 5 s idle, wrk at the last node, all hold all.</summary>
    private async Task<(double Rate, double Cpu)> ChainAsync(int n, Func<int, int, int?, Task<ServerProcess>> start)
    {
        var chain = new List<ServerProcess>();
        try
        {
            for (var i = 0; i < n; i++)
            {
                chain.Add(await start(i, Ports.Free(), i == 0 ? null : chain[i - 1].Port));
            }

            await Measure.WaitAsync(async () => (await Task.WhenAll(chain.Select(c => Measure.IsHealthyAsync(c.BaseUri)))).All(h => h),
                TimeSpan.FromSeconds(60), "the chain to link");
            await Task.Delay(TimeSpan.FromSeconds(5));
            var cpuBefore = chain.Sum(c => c.CpuTime().TotalMicroseconds);
            var apiKey = ProcFs.EnvironmentOf(chain[^1].Pid).GetValueOrDefault("P2P__ApiKey");
            var result = await Wrk.PostAsync(chain[^1].BaseUri, _options.Duration, apiKey);
            Measure.Check(Side.Report, "suspects chain", result);
            var held = await chain[^1].RecordCountAsync();
            await Measure.WaitAsync(async () => (await Task.WhenAll(chain.Select(c => c.RecordCountAsync()))).All(c => c == held),
                TimeSpan.FromSeconds(120), "every node of the chain to hold every record");
            return (result.Rate, (chain.Sum(c => c.CpuTime().TotalMicroseconds) - cpuBefore) / result.Requests);
        }
        finally
        {
            foreach (var node in chain)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static void Set(List<string> args, string flag, string value)
    {
        var at = args.IndexOf(flag);
        if (at > 0 && at + 1 < args.Count)
        {
            args[at + 1] = value;
        }
    }
}
