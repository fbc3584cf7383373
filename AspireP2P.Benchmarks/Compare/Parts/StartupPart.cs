using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>The real AppHost started with 10 and 50 nodes (and with --launch NativeAot where it has it): time to all-healthy, node memory.</summary>
public sealed class StartupPart : ComparePart
{
    private readonly CompareOptions _options;
    private readonly List<(string[] Args, int Nodes, int Runs, Figure Healthy, Figure Aspire, Figure Rss, Figure Pss, bool Aot)> _cases = [];
    private readonly Dictionary<Figure, (Figure First, Figure Last)> _starts = [];

    public StartupPart(Side side, CompareOptions options) : base(side)
    {
        _options = options;
        (string Id, string Name, string[] Args, bool Aot)[] modes = side.Code.SupportsNativeAotLaunch && !options.Speed
            ? [("", "", [], false), (".aot", " with --launch NativeAot", ["--launch", "NativeAot"], true)]
            : [("", "", [], false)];
        foreach (var (id, name, args, aot) in modes)
        {
            foreach (var n in options.StartupNodes)
            {
                var target = n switch { 10 => 5.0, 50 => 20.0, _ => (double?)null };
                var report = side.Report;
                var healthy = report.Add($"apphost{id}.startup.{n}", $"AppHost{name} start-up to all-healthy, {n} nodes", "s", target is { } t ? $"≤ {t:0}" : null, targetValue: target);
                healthy.Note = "spawn of dotnet run --no-build → every node's /health Healthy";
                var aspire = report.Add($"apphost{id}.startup.{n}.aspire", "…of which Aspire itself (spawn → the AppHost prints \"Distributed application started\")", "s");
                var rss = report.Add($"apphost{id}.startup.{n}.rss", "…node RSS 10 s after all-healthy (median node)", "MB", "≤ 60", targetValue: 60);
                var pss = report.Add($"apphost{id}.startup.{n}.pss", "…node PSS (its share of the memory the nodes use)", "MB");
                _starts[healthy] = (report.Add($"apphost{id}.startup.{n}.first", "…the first node process started (after the spawn)", "s"),
                    report.Add($"apphost{id}.startup.{n}.last", "…the last node process started", "s"));
                _cases.Add((args, n, n > 20 && !options.Speed ? Math.Min(options.AppHostRuns, 2) : options.AppHostRuns, healthy, aspire, rss, pss, aot));
            }
        }
    }

    public override int Rounds => _options.AppHostRuns;

    public override async Task RoundAsync(int round)
    {
        await Side.Code.EnsureDefaultLaunchReadyAsync(Side.Report);
        var (aotSeconds, aotError) = Side.Code.SupportsNativeAotLaunch && !_options.Speed ? await Side.Code.NativeAotAsync() : (null, null);
        if (round == 0 && aotError is not null && !_options.Parts.Contains("apphost"))
        {
            Side.Report.Notes.Add(aotError);
        }

        foreach (var (args, n, runs, healthy, aspire, rss, pss, aot) in _cases)
        {
            if (round >= runs || (aot && aotSeconds is null))
            {
                continue;
            }

            await using var appHost = AppHostRun.Start(Side.Code.Root, n, args);
            var up = await appHost.WaitHealthyAsync(TimeSpan.FromMinutes(5));
            healthy.Runs.Add(up.TotalSeconds);
            var (firstStart, lastStart) = appHost.NodeStarts();
            _starts[healthy].First.Runs.Add(firstStart);
            _starts[healthy].Last.Runs.Add(lastStart);
            await Task.Delay(TimeSpan.FromSeconds(10));
            var pids = appHost.NodePids();
            rss.Runs.Add(Stats.Median([.. pids.Select(ProcFs.RssMb)]));
            pss.Runs.Add(Stats.Median([.. pids.Select(ProcFs.PssMb)]));
            if (appHost.AspireStarted is { } started)
            {
                aspire.Runs.Add(started.TotalSeconds);
            }

            Console.WriteLine($"  [{Side.Label}] AppHost {string.Join(' ', args)}, {n} nodes, run {round + 1}: all healthy after {up.TotalSeconds:0.0} s " +
                $"(Aspire started after {appHost.AspireStarted?.TotalSeconds:0.0} s, node processes started from {firstStart:0.0} to {lastStart:0.0} s); node RSS median {rss.Runs[^1]:0} MB, PSS {pss.Runs[^1]:0} MB ({pids.Length} node processes); {appHost.Launch ?? "(no launch line)"}");
        }
    }
}
