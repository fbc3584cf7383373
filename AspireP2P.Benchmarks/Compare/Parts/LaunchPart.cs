using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>
/// Fresh-process speed of each way to build and run the node (<see cref="NodeBuilds"/>), side by side, rounds rotating
/// which goes first: one node's start (spawn → /alive, its CPU by then, its RSS and PSS 5 s later), the 3-peer star of
/// the tutorial comparison on fresh processes (rate, CPU per record), and 10 nodes started at once as a chain (spawn →
/// every /health Healthy, their CPU by then): what 50 nodes under the AppHost pay, at a fifth of the size.
/// </summary>
public sealed class LaunchPart : ComparePart
{
    private readonly CompareOptions _options;
    private readonly List<NodeBuild> _builds = [];
    private readonly Dictionary<string, Dictionary<string, Figure>> _figures = [];

    public LaunchPart(Side side, CompareOptions options) : base(side)
    {
        _options = options;
        foreach (var id in options.Launches)
        {
            var report = side.Report;
            _figures[id] = new Dictionary<string, Figure>
            {
                ["alive"] = report.Add($"launch.{id}.alive", $"[{id}] one node: spawn → /alive", "s"),
                ["cpu"] = report.Add($"launch.{id}.start.cpu", $"[{id}] …its CPU time by then", "ms"),
                ["rss"] = report.Add($"launch.{id}.rss", $"[{id}] …its RSS 5 s later, idle", "MB"),
                ["pss"] = report.Add($"launch.{id}.pss", $"[{id}] …its PSS", "MB"),
                ["rate"] = report.Add($"launch.{id}.star", $"[{id}] 3 peers, fresh, {Wrk.Command} {options.Duration:0} s at the hub", "records/s", higherIsBetter: true),
                ["star.cpu"] = report.Add($"launch.{id}.star.cpu", $"[{id}] …CPU per record, all four nodes", "µs"),
                ["chain"] = report.Add($"launch.{id}.chain10", $"[{id}] 10 nodes started at once as a chain: spawn → all /health Healthy", "s"),
                ["chain.cpu"] = report.Add($"launch.{id}.chain10.cpu", $"[{id}] …their CPU by then, per node", "ms"),
            };
        }
    }

    public override int Rounds => _options.Runs;

    public override async Task RoundAsync(int round)
    {
        if (_builds.Count == 0)
        {
            foreach (var id in _options.Launches)
            {
                Console.WriteLine($"  [{Side.Label}] preparing the {id} node…");
                var build = await NodeBuilds.PrepareAsync(Side.Code, id, _options.Build);
                _builds.Add(build);
                _figures[id]["rate"].Note = build.Name;
                if (build.PublishSeconds is { } publish)
                {
                    Side.Report.Add($"launch.{id}.publish", $"[{id}] dotnet publish, first", "s").Runs.Add(publish);
                    Side.Report.Add($"launch.{id}.republish", $"[{id}] …again after touching one node source file", "s").Runs.Add(build.RepublishSeconds!.Value);
                }
            }
        }

        foreach (var build in Measure.Rotate(_builds, round))
        {
            var f = _figures[build.Id];
            await using (var one = await Servers.BuildAsync(build, $"{build.Id} single"))
            {
                f["alive"].Runs.Add(one.ReadyAfter.TotalSeconds);
                f["cpu"].Runs.Add(one.CpuTime().TotalMilliseconds);
                await Task.Delay(TimeSpan.FromSeconds(5));
                f["rss"].Runs.Add(one.RssMb());
                f["pss"].Runs.Add(ProcFs.PssMb(one.Pid));
            }

            var star = await Star.MeasureAsync(build.Id, name => Servers.BuildAsync(build, name), _options.Duration);
            Measure.Check(Side.Report, build.Id, star.Load);
            f["rate"].Runs.Add(star.Rate);
            f["star.cpu"].Runs.Add(star.CpuPerRecord);
            var (chain, chainCpu) = await ChainAtOnceAsync(build, 10);
            f["chain"].Runs.Add(chain);
            f["chain.cpu"].Runs.Add(chainCpu);
            Console.WriteLine($"  [{Side.Label}] launch round {round + 1}: {build.Id}: /alive after {f["alive"].Runs[^1]:0.00} s on {f["cpu"].Runs[^1]:0} ms of CPU, " +
                $"RSS {f["rss"].Runs[^1]:0} MB (PSS {f["pss"].Runs[^1]:0}); star {star.Rate:0} records/s, {star.CpuPerRecord:0} µs/record; " +
                $"10 at once healthy after {chain:0.0} s, {chainCpu:0} ms of CPU per node");
        }
    }

    /// <summary>Spawns n nodes at once, node i with --peers node i-1, and waits until every /health says Healthy.</summary>
    private static async Task<(double Seconds, double CpuPerNode)> ChainAtOnceAsync(NodeBuild build, int n)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ChainAtOnceOnceAsync(build, n);
            }
            catch (ExitedEarlyException) when (attempt < 3)
            {
                // A port was taken between the check and the bind: the whole chain again, on other ports.
            }
        }
    }

    private static async Task<(double Seconds, double CpuPerNode)> ChainAtOnceOnceAsync(NodeBuild build, int n)
    {
        var ports = Enumerable.Range(0, n).Select(_ => Ports.Free()).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var starting = Enumerable.Range(0, n).Select(i => i == 0
            ? Servers.BuildAsync(build, $"{build.Id} chain 0", ports[0])
            : Servers.BuildAsync(build, $"{build.Id} chain {i}", ports[i], "--peers", $"127.0.0.1:{ports[i - 1]}")).ToArray();
        try
        {
            var nodes = await Task.WhenAll(starting);
            await Measure.WaitAsync(async () => (await Task.WhenAll(nodes.Select(c => Measure.IsHealthyAsync(c.BaseUri)))).All(h => h),
                TimeSpan.FromSeconds(120), $"{n} {build.Id} nodes started at once to link");
            var seconds = clock.Elapsed.TotalSeconds;
            return (seconds, nodes.Average(c => c.CpuTime().TotalMilliseconds));
        }
        finally
        {
            foreach (var node in starting)
            {
                if (node.IsCompletedSuccessfully)
                {
                    await node.Result.DisposeAsync();
                }
            }
        }
    }
}
