using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>
/// The real AppHost against the same chain standalone: rate, CPU per record by process role, node memory, and whether
/// the traces the dashboard shows after the burst are whole; with <c>--launch NativeAot</c> too where the AppHost has it.
/// </summary>
public sealed class AppHostPart : ComparePart
{
    private readonly CompareOptions _options;
    private readonly AppHostFigures _jit;
    private readonly AppHostFigures? _aot;
    private readonly Figure _standaloneRate;
    private readonly Figure _standaloneCpu;
    private readonly Figure _standaloneRss;
    private bool _aotReady;

    public AppHostPart(Side side, CompareOptions options) : base(side)
    {
        _options = options;
        var n = options.AppHostNodes;
        var report = side.Report;
        var topology = $"{n}-node chain, POST at the last node (its record crosses {n - 1} hops), {Wrk.Command} for {options.Duration:0} s on its public port";
        _jit = new AppHostFigures(report, "apphost", "Under the AppHost (dotnet run --no-build, http profile)", n, topology, side.Ratios.Complete);
        _aot = side.Code.SupportsNativeAotLaunch && !options.Speed ? new AppHostFigures(report, "apphost.aot", "Under the AppHost with --launch NativeAot", n, topology, null) : null;
        _standaloneRate = report.Add("standalone.rate", "Standalone, same chain (Release build, default settings)", "records/s", higherIsBetter: true);
        _standaloneRate.Note = topology;
        _standaloneCpu = report.Add("standalone.cpu", "…CPU per record, the nodes", "µs");
        _standaloneRss = report.Add("standalone.rss.idle", "…node RSS idle (median node)", "MB");
    }

    public override int Rounds => _options.AppHostRuns;

    public override async Task RoundAsync(int round)
    {
        await Side.Code.EnsureDefaultLaunchReadyAsync(Side.Report);
        if (round == 0 && _aot is not null)
        {
            var (seconds, error) = await Side.Code.NativeAotAsync();
            _aotReady = seconds is not null;
            if (seconds is { } s)
            {
                Side.Report.Add("apphost.aot.publish", "…what --launch NativeAot costs once after each change to the node: dotnet publish -p:PublishAot=true", "s").Runs.Add(s);
            }
            else
            {
                Side.Report.Notes.Add(error!);
            }
        }

        string[] arms = _aotReady ? ["apphost", "standalone", "apphost.aot"] : ["apphost", "standalone"];
        foreach (var arm in Measure.Rotate(arms, round))
        {
            if (arm == "standalone")
            {
                var (rate, cpu, rss) = await StandaloneChainAsync();
                _standaloneRate.Runs.Add(rate);
                _standaloneCpu.Runs.Add(cpu);
                _standaloneRss.Runs.Add(rss);
                Console.WriteLine($"  [{Side.Label}] round {round + 1}: standalone chain: {rate:0} records/s, {cpu:0} µs of node CPU per record; node RSS idle {rss:0} MB");
            }
            else
            {
                var figures = arm == "apphost" ? _jit : _aot!;
                await figures.MeasureAsync(Side.Code, _options.Duration, arm == "apphost" ? [] : ["--launch", "NativeAot"], Side.Report);
                Console.WriteLine($"  [{Side.Label}] round {round + 1}: {figures.Last}");
            }
        }

        Side.Ratios.AppHost.Runs.Add(_jit.Rate.Runs[^1] / _standaloneRate.Runs[^1]);
        Side.Ratios.AppHostCpu.Runs.Add(_standaloneCpu.Runs[^1] / _jit.Cpu.Runs[^1]);
        if (_aotReady)
        {
            Side.Ratios.AppHostAot.Runs.Add(_aot!.Rate.Runs[^1] / _standaloneRate.Runs[^1]);
        }
    }

    private async Task<(double Rate, double Cpu, double Rss)> StandaloneChainAsync()
    {
        var n = _options.AppHostNodes;
        var chain = new List<ServerProcess>();
        try
        {
            for (var i = 0; i < n; i++)
            {
                chain.Add(i == 0 ? await Side.Servers.OursAsync("chain 0") : await Side.Servers.OursAsync($"chain {i}", null, "--peers", chain[i - 1].Address));
            }

            await Measure.WaitAsync(async () => (await Task.WhenAll(chain.Select(c => Measure.IsHealthyAsync(c.BaseUri)))).All(h => h),
                TimeSpan.FromSeconds(60), "the standalone chain to link");
            await Task.Delay(TimeSpan.FromSeconds(5));
            var rss = Stats.Median([.. chain.Select(c => c.RssMb())]);
            var cpuBefore = chain.Sum(c => c.CpuTime().TotalMicroseconds);
            var result = await Wrk.PostAsync(chain[^1].BaseUri, _options.Duration);
            Measure.Check(Side.Report, "standalone chain", result);
            var held = await chain[^1].RecordCountAsync();
            await Measure.WaitAsync(async () => (await Task.WhenAll(chain.Select(c => c.RecordCountAsync()))).All(c => c == held),
                TimeSpan.FromSeconds(120), "every standalone node to hold every record");
            return (result.Rate, (chain.Sum(c => c.CpuTime().TotalMicroseconds) - cpuBefore) / result.Requests, rss);
        }
        finally
        {
            foreach (var node in chain)
            {
                await node.DisposeAsync();
            }
        }
    }
}
