using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AspireP2P.Benchmarks.Compare;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Soak;

/// <summary>
/// Issue 25's soak: the AppHost as a user runs it (<c>dotnet run --project AspireP2P.AppHost -- --nodes 5</c>, built
/// first), a steady load of records with a burst now and then, and once a minute the dashboard measured from outside:
/// its telemetry API's trace list, the Traces page and one record's trace in Chromium, its memory and CPU, what it
/// received and holds, and whether the record traces it kept are whole. Bounded: the load stops after the duration,
/// every wait has a deadline, and every process the run started is stopped by pid at the end (Ctrl+C too).
/// </summary>
public static class SoakRunner
{
    /// <summary>A trace is checked once its record is this old: the nodes export spans every second or so.</summary>
    private static readonly TimeSpan ExportLag = TimeSpan.FromSeconds(20);

    private const int TracesToCheck = 10;
    private const int CandidatesToTry = 200;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(SoakOptions options)
    {
        var repo = options.Repo ?? CompareRunner.RepoRoot();
        if (!File.Exists(Path.Combine(repo, "AspireP2P.AppHost", "AspireP2P.AppHost.csproj")))
        {
            Console.Error.WriteLine($"No AspireP2P.AppHost in {repo}.");
            return 2;
        }
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            Console.WriteLine("Stopping: the load ends, then every process of the run is stopped.");
            stop.Cancel();
        };

        if (options.Build)
        {
            Console.WriteLine("Building the AppHost as dotnet run does (it builds the node)…");
            await NodeProcess.RunAsync("dotnet", "build", "--nologo", "-v", "q", Path.Combine(repo, "AspireP2P.AppHost"));
        }

        var started = DateTimeOffset.Now;
        Console.WriteLine($"Code: {repo} ({await DescribeAsync(repo)})");
        Console.WriteLine($"Soak: {options.Nodes} nodes, {options.Rate} records/s round-robin, a burst of {options.BurstRecords} every {options.BurstEvery.TotalMinutes:0.#} min, " +
            $"{options.Duration.TotalMinutes:0.#} min; {started:yyyy-MM-dd HH:mm zzz}, load average {ProcFs.LoadAverage()}, {Environment.ProcessorCount} cores");
        Console.WriteLine($"Busiest processes at the start (share of one core): {await OtherBusyProcessesAsync()}");

        var ports = options.BasePort is { } basePort
            ? new AppHostPorts(basePort, options.DashboardPort ?? basePort + options.Nodes, (options.DashboardPort ?? basePort + options.Nodes) + 1, (options.DashboardPort ?? basePort + options.Nodes) + 2)
            : (AppHostPorts?)null;
        var minutes = new List<SoakMinute>();
        IReadOnlyList<(string Table, string Key, long Count)> breakdown = [];
        Dictionary<int, string> family = [];
        var run = AppHostRun.Start(repo, options.Nodes, options.AppHostArgs, ports);
        try
        {
            var healthy = await run.WaitHealthyAsync(TimeSpan.FromMinutes(5));
            Console.WriteLine($"AppHost up: every node healthy {healthy.TotalSeconds:0.0} s after dotnet run; dashboard {run.Dashboard} (login {run.Dashboard}login?t={run.BrowserToken})");
            family = run.Family();
            var dashboardPid = run.DashboardPid() ?? throw new InvalidOperationException("no dashboard process found");
            var store = DashboardStore.Find(dashboardPid);
            Console.WriteLine(store is null
                ? "The dashboard keeps no database on disk (persistence mode None): received counts are not available."
                : $"Dashboard pid {dashboardPid}; counting what it received in its run database {store.Path}");
            var api = new DashboardApi(run.Dashboard, run.ApiKey);
            await using var browser = await DashboardBrowser.StartAsync(options.Chromium, run.Dashboard, run.BrowserToken);
            await using var load = new RecordLoad(run.Node, options.Nodes, run.ApiKey, options);
            Console.WriteLine();
            Console.WriteLine(SoakMinute.Header);
            // Minute 0: one record in an empty dashboard, before the load: the pages' floor at this machine's load.
            var baseline = await BaselineAsync(load, api, browser, options.Nodes) with { DashboardRssMb = ProcFs.RssMb(dashboardPid) };
            minutes.Add(baseline);
            Console.WriteLine(baseline);
            load.Start();

            var clock = Stopwatch.StartNew();
            var lastCpu = ProcFs.CpuTime(dashboardPid);
            var (lastMachine, lastRun) = (MachineBusy(), RunCpu(family));
            var lastSample = clock.Elapsed;
            var lastWindowEnd = DateTime.UtcNow - ExportLag;
            var lastCounts = store?.Read(lastWindowEnd, lastWindowEnd);
            var random = new Random(25);
            for (var next = options.SampleEvery; next <= options.Duration + options.Cooldown && !stop.IsCancellationRequested; next += options.SampleEvery)
            {
                if (next > options.Duration && load.Running)
                {
                    await load.StopAsync();
                    Console.WriteLine($"       load stopped at {load.Elapsed.TotalMinutes:0.0} min; sampling the dashboard at rest for {options.Cooldown.TotalMinutes:0.#} min");
                }

                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(wait, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }

                if (!ProcFs.IsAlive(dashboardPid))
                {
                    Console.WriteLine("The dashboard process is gone; stopping.");
                    break;
                }

                var minute = await SampleAsync(clock.Elapsed, load, api, browser, options.Nodes, random);
                var now = clock.Elapsed;
                var cpu = ProcFs.CpuTime(dashboardPid);
                var (machine, runCpu) = (MachineBusy(), RunCpu(family));
                var windowEnd = DateTime.UtcNow - ExportLag;
                var counts = store?.Read(lastWindowEnd, windowEnd);
                var perMinute = 1 / (now - lastSample).TotalMinutes;
                minute = minute with
                {
                    DashboardRssMb = ProcFs.RssMb(dashboardPid),
                    DashboardCpu = (cpu - lastCpu) / (now - lastSample),
                    RunCores = (runCpu - lastRun) / (now - lastSample),
                    OtherCores = Math.Max(0, ((machine - lastMachine) - (runCpu - lastRun)) / (now - lastSample)),
                    SpansHeld = counts?.SpansHeld ?? -1,
                    TracesHeld = counts?.TracesHeld ?? -1,
                    LogsHeld = counts?.LogsHeld ?? -1,
                    MetricSeries = counts?.MetricSeries ?? -1,
                    DatabaseMb = counts?.DatabaseMb ?? 0,
                    SpansPerMinute = counts is null ? -1 : (long)(counts.SpansStarted * perMinute),
                    LogsPerMinute = counts is null || lastCounts is null ? -1 : (long)((counts.LogsReceived - lastCounts.LogsReceived) * perMinute),
                    PointsPerMinute = counts is null || lastCounts is null ? -1 : (long)((counts.MetricPointsReceived - lastCounts.MetricPointsReceived) * perMinute),
                };
                (lastCpu, lastSample, lastWindowEnd, lastCounts, lastMachine, lastRun) = (cpu, now, windowEnd, counts, machine, runCpu);
                minutes.Add(minute);
                Console.WriteLine(minute);
                if (load.LastError is { } error && minute.Failed > 0)
                {
                    Console.WriteLine($"       last failed post: {error}");
                }
            }

            await load.StopAsync();
            Console.WriteLine();
            Console.WriteLine($"Load stopped after {load.Elapsed.TotalMinutes:0.0} min: {load.Posted} records posted ({load.BurstRecords} in bursts), {load.Failed} failed, {load.Skipped} skipped (the load fell behind).");
            if (store is not null)
            {
                breakdown = store.Breakdown();
                PrintBreakdown(breakdown);
            }
        }
        finally
        {
            family = family.Count > 0 ? family : run.Family();
            await run.DisposeAsync();
            await StopLeftoversAsync(family);
        }

        Summarize(minutes, options);
        await WriteJsonAsync(options, started, minutes, breakdown);
        return 0;
    }

    private static async Task<string> DescribeAsync(string repo)
    {
        try
        {
            var head = await NodeProcess.RunAsync("git", "-C", repo, "log", "-1", "--format=%h %s");
            var changed = await NodeProcess.RunAsync("git", "-C", repo, "status", "--porcelain");
            return head.Trim() + (changed.Length > 0 ? ", with uncommitted changes" : "");
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "not a git checkout";
        }
    }

    private static async Task<SoakMinute> BaselineAsync(RecordLoad load, DashboardApi api, DashboardBrowser browser, int nodes)
    {
        var names = Enumerable.Range(0, nodes).Select(i => $"node-{i}").ToArray();
        var record = await load.PostOneAsync(nodes - 1) ?? throw new InvalidOperationException($"the first record could not be posted: {load.LastError}");
        var clock = Stopwatch.StartNew();
        IReadOnlyList<ApiSpan>? spans = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60)
            && (spans is null || !names.All(n => spans.Any(s => s.Resource == n && DashboardApi.RecordSpanNames.Contains(s.Name)))))
        {
            await Task.Delay(500);
            spans = await api.GetTraceAsync(record.TraceId);
        }

        var whole = spans is not null && names.All(n => spans.Any(s => s.Resource == n && DashboardApi.RecordSpanNames.Contains(s.Name)));
        return new SoakMinute
        {
            LoadAverage = ProcFs.LoadAverage(),
            Posted = load.Posted,
            TracesQuery = await api.TimeTracesAsync(),
            TracesPage = await browser.OpenTracesAsync(),
            TracePage = whole ? await browser.OpenTraceAsync(record.TraceId, names) : new PageTiming(TimeSpan.Zero, "its trace was not whole within 60 s"),
            OpenedTrace = record.TraceId,
            TracesTried = 1,
            TracesKept = spans is null ? 0 : 1,
            TracesWhole = whole ? 1 : 0,
            Note = "before the load: one record",
        };
    }

    private static async Task<SoakMinute> SampleAsync(TimeSpan elapsed, RecordLoad load, DashboardApi api, DashboardBrowser browser, int nodes, Random random)
    {
        var traces = await api.TimeTracesAsync();
        var tracesPage = await browser.OpenTracesAsync();

        // Records old enough for every node to have exported its span: which of them the dashboard kept, and whether whole.
        var candidates = load.PostedBetween(TimeSpan.FromSeconds(120), ExportLag).OrderBy(_ => random.Next()).Take(CandidatesToTry).ToList();
        int tried = 0, kept = 0, whole = 0;
        string? opened = null;
        string? note = null;
        var names = Enumerable.Range(0, nodes).Select(i => $"node-{i}").ToArray();
        var partial = new List<string>();
        bool IsWhole(IReadOnlyList<ApiSpan> spans) =>
            names.All(spans.Where(s => DashboardApi.RecordSpanNames.Contains(s.Name)).Select(s => s.Resource).ToHashSet().Contains) && spans.Any(s => s.Name == "publish records");
        foreach (var candidate in candidates)
        {
            if (kept >= TracesToCheck)
            {
                break;
            }

            tried++;
            IReadOnlyList<ApiSpan>? spans;
            try
            {
                spans = await api.GetTraceAsync(candidate.TraceId);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
            {
                note = $"trace read failed: {ex.Message}";
                break;
            }

            if (spans is null)
            {
                continue;
            }

            kept++;
            if (IsWhole(spans))
            {
                whole++;
                opened ??= candidate.TraceId;
            }
            else
            {
                partial.Add(candidate.TraceId);
            }
        }

        // A part missing now may only be late (a node's exporter starved of CPU); one more look tells late from lost.
        if (partial.Count > 0)
        {
            await Task.Delay(ExportLag);
            var late = 0;
            foreach (var id in partial)
            {
                var spans = await api.GetTraceAsync(id);
                if (spans is not null && IsWhole(spans))
                {
                    late++;
                }
                else
                {
                    note ??= $"trace {id} not whole after {2 * ExportLag.TotalSeconds:0} s: spans on {string.Join(',', (spans ?? []).Where(s => DashboardApi.RecordSpanNames.Contains(s.Name)).Select(s => s.Resource).Distinct().Order())}";
                }
            }

            whole += late;
            note ??= late > 0 ? $"{late} kept trace(s) whole only {2 * ExportLag.TotalSeconds:0} s after the post" : null;
        }

        var tracePage = opened is null ? new PageTiming(TimeSpan.Zero, "no whole trace to open") : await browser.OpenTraceAsync(opened, names);
        return new SoakMinute
        {
            Minute = elapsed.TotalMinutes,
            LoadAverage = ProcFs.LoadAverage(),
            Posted = load.Posted,
            Failed = load.Failed,
            Skipped = load.Skipped,
            TracesQuery = traces,
            TracesPage = tracesPage,
            TracePage = tracePage,
            OpenedTrace = opened,
            TracesTried = tried,
            TracesKept = kept,
            TracesWhole = whole,
            Note = note ?? traces.Error ?? tracesPage.Error ?? tracePage.Error,
        };
    }

    private static void PrintBreakdown(IReadOnlyList<(string Table, string Key, long Count)> rows)
    {
        Console.WriteLine();
        Console.WriteLine("What the dashboard holds at the end (its run database):");
        foreach (var group in rows.GroupBy(r => r.Table))
        {
            Console.WriteLine($"  {group.Key}: {string.Join(", ", group.Select(r => $"{r.Key} {r.Count:N0}"))}");
        }
    }

    private static void Summarize(List<SoakMinute> minutes, SoakOptions options)
    {
        if (minutes.Count == 0)
        {
            return;
        }

        static string Worst(IEnumerable<double> values) => values.Any() ? $"{values.Max():0.00} s" : "-";
        var settled = minutes.Where(m => m.Minute >= 10).ToList();
        Console.WriteLine();
        if (minutes[0].Minute == 0)
        {
            var floor = minutes[0];
            Console.WriteLine($"Before the load (one record): traces query {floor.TracesQuery.Elapsed.TotalSeconds:0.00} s, Traces page {floor.TracesPage}, its trace {floor.TracePage}: the dashboard's floor at this machine's load.");
            minutes = minutes.Skip(1).ToList();
        }

        Console.WriteLine($"Targets (issue 25), over {minutes.Count} samples under load:");
        Console.WriteLine($"  traces query ≤ 1 s at every minute: worst {Worst(minutes.Select(m => m.TracesQuery.Elapsed.TotalSeconds))}, failed {minutes.Count(m => m.TracesQuery.Error is not null)}");
        Console.WriteLine($"  Traces page ≤ 2 s: worst {Worst(minutes.Where(m => m.TracesPage.Error is null).Select(m => m.TracesPage.Elapsed.TotalSeconds))}, failed {minutes.Count(m => m.TracesPage.Error is not null)}");
        Console.WriteLine($"  a record's trace ≤ 2 s: worst {Worst(minutes.Where(m => m.TracePage.Error is null).Select(m => m.TracePage.Elapsed.TotalSeconds))}, failed {minutes.Count(m => m.TracePage.Error is not null)}");
        if (settled.Count > 0)
        {
            Console.WriteLine($"  dashboard RSS after minute 10 (≤ 600 MB, flat): {settled.Min(m => m.DashboardRssMb):0}–{settled.Max(m => m.DashboardRssMb):0} MB (first {settled[0].DashboardRssMb:0}, last {settled[^1].DashboardRssMb:0})");
        }

        Console.WriteLine($"  kept record traces that were whole: {minutes.Sum(m => m.TracesWhole)} of {minutes.Sum(m => m.TracesKept)} (kept {minutes.Sum(m => m.TracesKept)} of {minutes.Sum(m => m.TracesTried)} records tried)");
        _ = options;
    }

    private static async Task WriteJsonAsync(SoakOptions options, DateTimeOffset started, List<SoakMinute> minutes, IReadOnlyList<(string Table, string Key, long Count)> breakdown)
    {
        var path = Path.GetFullPath(options.Out);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var json = new
        {
            label = options.Label,
            started = started.ToString("O", CultureInfo.InvariantCulture),
            loadavgAtEnd = ProcFs.LoadAverage(),
            options = new { minutes = options.Duration.TotalMinutes, options.Nodes, options.Rate, burstEveryMinutes = options.BurstEvery.TotalMinutes, options.BurstRecords, options.AppHostArgs },
            samples = minutes.Select(m => new
            {
                m.Minute, m.LoadAverage, m.Posted, m.Failed, m.Skipped,
                tracesQuerySeconds = m.TracesQuery.Error is null ? m.TracesQuery.Elapsed.TotalSeconds : (double?)null,
                tracesTotal = m.TracesQuery.TotalCount,
                tracesPageSeconds = m.TracesPage.Error is null ? m.TracesPage.Elapsed.TotalSeconds : (double?)null,
                tracePageSeconds = m.TracePage.Error is null ? m.TracePage.Elapsed.TotalSeconds : (double?)null,
                m.OpenedTrace, m.DashboardRssMb, m.DashboardCpu, m.SpansPerMinute, m.LogsPerMinute, m.PointsPerMinute,
                m.TracesHeld, m.SpansHeld, m.LogsHeld, m.MetricSeries, m.DatabaseMb, m.TracesTried, m.TracesKept, m.TracesWhole, m.Note,
            }),
            breakdown = breakdown.Select(b => new { table = b.Table, key = b.Key, count = b.Count }),
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(json, Indented));
        Console.WriteLine($"JSON: {path}");
    }

    /// <summary>Whatever of the run's processes outlived the AppHost's own shutdown is killed, by the pids recorded at start.</summary>
    private static async Task StopLeftoversAsync(Dictionary<int, string> family)
    {
        var deadline = Stopwatch.StartNew();
        while (family.Keys.Any(ProcFs.IsAlive) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(500);
        }

        var left = family.Where(p => ProcFs.IsAlive(p.Key)).ToList();
        foreach (var (pid, role) in left)
        {
            try
            {
                Process.GetProcessById(pid).Kill();
                Console.WriteLine($"Killed a leftover {role} process, pid {pid}.");
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Exited meanwhile.
            }
        }

        Console.WriteLine(left.Count == 0 ? $"Every process of the run ({family.Count}) has exited." : $"{left.Count} leftover processes killed.");
    }

    /// <summary>The five processes that used the most CPU over two seconds: what else the machine is doing.</summary>
    private static async Task<string> OtherBusyProcessesAsync()
    {
        var before = ProcFs.Processes().ToDictionary(p => p.Pid, p => (p.Args, Cpu: SafeCpu(p.Pid)));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var busy = before.Select(p => (Name: string.Join(' ', p.Value.Args.Take(3).Select(a => a.Length > 40 ? Path.GetFileName(a) : a)), Cpu: SafeCpu(p.Key) - p.Value.Cpu))
            .Where(p => p.Cpu > TimeSpan.Zero).OrderByDescending(p => p.Cpu).Take(5);
        return string.Join("; ", busy.Select(p => $"{p.Name} ({p.Cpu.TotalSeconds / 2:P0})"));
    }

    /// <summary>CPU time every core spent busy since boot (/proc/stat: all but idle and iowait).</summary>
    private static TimeSpan MachineBusy()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return TimeSpan.FromSeconds((fields.Take(8).Sum() - fields[3] - fields[4]) / 100.0);
    }

    /// <summary>
    /// CPU time of the run's processes that are alive: the AppHost's (recorded at start), and this harness with its
    /// children (Playwright's driver, Chromium). A process that exits takes its time with it.
    /// </summary>
    private static TimeSpan RunCpu(Dictionary<int, string> family) =>
        ProcFs.WithDescendants(family.Keys.Append(Environment.ProcessId)).Aggregate(TimeSpan.Zero, (sum, pid) => sum + SafeCpu(pid));

    private static TimeSpan SafeCpu(int pid)
    {
        try
        {
            return ProcFs.CpuTime(pid);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return TimeSpan.Zero;
        }
    }
}
