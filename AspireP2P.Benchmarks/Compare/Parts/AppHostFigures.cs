using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>The figures of one way of running the chain under the real AppHost, and how one round measures them.</summary>
public sealed class AppHostFigures
{
    private static readonly string[] RoleNames = ["nodes", "DCP", "dashboard", "AppHost"];

    private readonly int _nodes;
    private readonly Figure? _complete;

    public AppHostFigures(Report report, string id, string name, int nodes, string topology, Figure? complete)
    {
        _nodes = nodes;
        _complete = complete;
        Rate = report.Add($"{id}.rate", name, "records/s", higherIsBetter: true);
        Rate.Note = topology;
        Cpu = report.Add($"{id}.cpu", "…CPU per record, every process of the AppHost", "µs");
        Roles = RoleNames.ToDictionary(r => r, r => report.Add($"{id}.cpu.{r}", $"…of which {r}", "µs"));
        Startup = report.Add($"{id}.startup", $"…start-up to all-healthy, {nodes} nodes (spawn of dotnet run → every /health Healthy)", "s");
        RssIdle = report.Add($"{id}.rss.idle", $"…node RSS idle (median node, 5 s after healthy)", "MB", "≤ 60", targetValue: 60);
        PssIdle = report.Add($"{id}.pss.idle", "…node PSS idle (shared framework pages divided among the processes that map them)", "MB");
        RssBurst = report.Add($"{id}.rss.burst", "…node RSS after the burst (largest node)", "MB");
        Kept = report.Add($"{id}.traces.kept", "…record traces the dashboard holds after the burst", "traces", higherIsBetter: true);
        Orphans = report.Add($"{id}.traces.orphans", "…of which without their publish span (cut off from their root)", "traces");
    }

    public Figure Rate { get; }
    public Figure Cpu { get; }
    public Dictionary<string, Figure> Roles { get; }
    public Figure Startup { get; }
    public Figure RssIdle { get; }
    public Figure PssIdle { get; }
    public Figure RssBurst { get; }
    public Figure Kept { get; }
    public Figure Orphans { get; }

    public string Last { get; private set; } = "";

    public async Task MeasureAsync(CodeUnderTest code, double duration, string[] args, Report report)
    {
        await using var run = AppHostRun.Start(code.Root, _nodes, args);
        await MeasureAsync(run, duration, report);
    }

    /// <summary>Measures a running AppHost (started just now, with this figure's node count); leaves it running.</summary>
    public async Task MeasureAsync(AppHostRun run, double duration, Report report)
    {
        var n = _nodes;
        var args = run.ExtraArgs;
        var healthy = await run.WaitHealthyAsync(TimeSpan.FromMinutes(3));
        Startup.Runs.Add(healthy.TotalSeconds);
        var pids = run.NodePids();
        if (pids.Length != n)
        {
            report.Notes.Add($"AppHost {string.Join(' ', args)}: found {pids.Length} node processes, expected {n}");
        }

        await Task.Delay(TimeSpan.FromSeconds(5));
        RssIdle.Runs.Add(Stats.Median([.. pids.Select(ProcFs.RssMb)]));
        PssIdle.Runs.Add(Stats.Median([.. pids.Select(ProcFs.PssMb)]));
        var family = run.Family();
        var cpuBefore = Measure.CpuOf(family.Keys);
        var result = await Wrk.PostAsync(run.Node(n - 1), duration, run.ApiKey);
        Measure.Check(report, $"AppHost {string.Join(' ', args)}", result);
        Rate.Runs.Add(result.Rate);
        var held = await Measure.RecordsAtAsync(run.Node(n - 1));
        await Measure.WaitAsync(async () => (await Task.WhenAll(Enumerable.Range(0, n).Select(i => Measure.RecordsAtAsync(run.Node(i))))).All(c => c == held),
            TimeSpan.FromSeconds(120), "every node under the AppHost to hold every record");
        var cpuAfter = Measure.CpuOf(family.Keys);
        var perRole = family.GroupBy(p => p.Value).ToDictionary(g => g.Key,
            g => g.Sum(p => cpuAfter.GetValueOrDefault(p.Key, cpuBefore.GetValueOrDefault(p.Key)) - cpuBefore.GetValueOrDefault(p.Key)) / result.Requests);
        Cpu.Runs.Add(perRole.Values.Sum());
        foreach (var (role, figure) in Roles)
        {
            figure.Runs.Add(perRole.GetValueOrDefault(role));
        }

        RssBurst.Runs.Add(pids.Where(ProcFs.IsAlive).Select(ProcFs.RssMb).Max());
        var census = await DashboardTraces.SettledAsync(run.Dashboard, run.ApiKey, n, TimeSpan.FromSeconds(60));
        Kept.Runs.Add(census.RecordTraces);
        Orphans.Runs.Add(census.WithoutPublish);
        _complete?.Runs.Add(census.CompleteShare);
        Last = $"AppHost {string.Join(' ', args)}: healthy after {healthy.TotalSeconds:0.0} s; {result.Rate:0} records/s, {Cpu.Runs[^1]:0} µs of CPU per record " +
            $"({string.Join(", ", perRole.Select(r => $"{r.Key} {r.Value:0}"))}); node RSS idle {RssIdle.Runs[^1]:0} MB (PSS {PssIdle.Runs[^1]:0}), " +
            $"after the burst ≤ {RssBurst.Runs[^1]:0} MB; dashboard: {census.RecordTraces} record traces ({census.Complete} complete, " +
            $"{census.WithoutPublish} without publish) for {held} records, {census.Spans} spans";
    }
}
