using System.Diagnostics;
using System.Globalization;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>
/// <c>compare</c>: every figure issue 10 asks for as a ratio of two servers measured side by side in one run, on
/// fresh processes, alternating which goes first, as the median of several rounds; plus what the AppHost costs
/// (start-up, memory, build) and whether the traces it shows are whole.
/// </summary>
public static class CompareRunner
{
    private static readonly string[] AppHostRoles = ["nodes", "DCP", "dashboard", "AppHost"];

    public static async Task<int> RunAsync(CompareOptions options)
    {
        var harnessRoot = RepoRoot();
        var code = await CodeUnderTest.ResolveAsync(harnessRoot, options.Repo, options.Commit);
        if (!Wrk.Installed && options.Parts.Overlaps(["kestrel", "tutorial", "apphost"]))
        {
            Console.Error.WriteLine("compare needs wrk: apt-get install -y wrk");
            return 1;
        }

        if (options.Build)
        {
            await code.BuildAsync();
        }

        var servers = new Servers(code, harnessRoot);
        var report = new Report { Label = options.Label };
        var ratios = new Ratios(report);
        Describe(report, code, options);
        Console.WriteLine($"Code under test: {code.Description}; load average {report.Machine["loadavgAtStart"]}");
        var clock = Stopwatch.StartNew();
        try
        {
            if (options.Parts.Contains("kestrel"))
            {
                await ZeroPeersAsync(report, ratios, servers, options);
            }

            if (options.Parts.Contains("tutorial"))
            {
                await TutorialAsync(report, ratios, servers, options);
            }

            if (options.Parts.Contains("apphost") && code.HasAppHost)
            {
                await AppHostVersusStandaloneAsync(report, ratios, servers, code, options);
            }

            if (options.Parts.Contains("startup") && code.HasAppHost)
            {
                await StartupAsync(report, code, options);
            }

            if (options.Parts.Contains("build") && code.HasAppHost)
            {
                await BuildCostAsync(report, code);
            }
        }
        finally
        {
            report.Machine["loadavgAtEnd"] = ProcFs.LoadAverage();
            report.Machine["wallSeconds"] = clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            Console.WriteLine();
            Console.WriteLine($"{report.StartedAt:yyyy-MM-dd HH:mm} UTC; {report.Machine["cpu"]}, {report.Machine["cores"]} cores, {report.Machine["memory"]}; " +
                $"code under test: {code.Description}; load client: {Wrk.Command}; load average {report.Machine["loadavgAtStart"]} → {report.Machine["loadavgAtEnd"]}; " +
                $"{report.Machine["wallSeconds"]} s");
            Console.WriteLine(report.Table());
            foreach (var note in report.Notes)
            {
                Console.WriteLine($"- {note}");
            }

            var output = Path.IsPathRooted(options.Out) ? options.Out : Path.Combine(harnessRoot, options.Out);
            await report.WriteAsync(output);
            Console.WriteLine($"Results written to {output}");
        }

        return 0;
    }

    // ------------------------------------------------------------------ 0 peers: ours against a bare Kestrel endpoint

    private static async Task ZeroPeersAsync(Report report, Ratios ratios, Servers servers, CompareOptions options)
    {
        var d = options.Duration;
        var variants = new (string Id, string Name, Func<Task<ServerProcess>> Start)[]
        {
            ("bare", "Bare Kestrel minimal-API POST endpoint (slim builder, no logging, no telemetry)", servers.BareKestrelAsync),
            ("default", "Ours, 0 peers, default settings", () => servers.OursAsync("ours")),
            ("logoff", "Ours, 0 peers, logging off", () => servers.OursAsync("ours, logging off", Servers.LoggingOff)),
            ("off", "Ours, 0 peers, logging and OpenTelemetry off", () => servers.OursAsync("ours, logging and telemetry off", Servers.LoggingAndTelemetryOff)),
        };
        var rates = new Dictionary<string, Figure>();
        var cpu = new Dictionary<string, Figure>();
        foreach (var (id, name, _) in variants)
        {
            rates[id] = report.Add($"zero.{id}", name, "records/s", higherIsBetter: true);
            cpu[id] = report.Add($"zero.{id}.cpu", "…its CPU per request", "µs");
        }

        var lines = report.Add("zero.default.lines", "Ours, default settings: lines printed per POST /record", "lines");
        var rss = report.Add("zero.default.rss", "Ours, default settings: RSS after the run", "MB");
        foreach (var rate in rates.Values)
        {
            rate.Note = $"{Wrk.Command}, {d:0} s after {options.Warmup:0} s of warm-up, fresh process";
        }

        for (var round = 0; round < options.Runs; round++)
        {
            var measured = new Dictionary<string, double>();
            foreach (var (id, name, start) in Rotate(variants, round))
            {
                await using var server = await start();
                if (options.Warmup > 0)
                {
                    await Wrk.PostAsync(server.BaseUri, options.Warmup);
                }

                var cpuBefore = server.CpuTime();
                var linesBefore = server.Lines;
                var result = await Wrk.PostAsync(server.BaseUri, d);
                await Task.Delay(200); // the last lines of output arrive through a pipe
                Check(report, name, result);
                measured[id] = result.Rate;
                rates[id].Runs.Add(result.Rate);
                cpu[id].Runs.Add((server.CpuTime() - cpuBefore).TotalMicroseconds / result.Requests);
                if (id == "default")
                {
                    lines.Runs.Add((server.Lines - linesBefore) / (double)result.Requests);
                    rss.Runs.Add(server.RssMb());
                }

                Console.WriteLine($"  0 peers round {round + 1}: {name}: {result.Rate:0} records/s, CPU {cpu[id].Runs[^1]:0.0} µs/request");
            }

            ratios.Kestrel.Runs.Add(measured["default"] / measured["bare"]);
            ratios.Logging.Runs.Add(measured["default"] / measured["logoff"]);
            ratios.KestrelCpu.Runs.Add(cpu["bare"].Runs[^1] / cpu["default"].Runs[^1]);
            ratios.LoggingCpu.Runs.Add(cpu["logoff"].Runs[^1] / cpu["default"].Runs[^1]);
        }
    }

    // ------------------------------------------------------------------ 3 peers: ours against the tutorial's node

    private static async Task TutorialAsync(Report report, Ratios ratios, Servers servers, CompareOptions options)
    {
        var kinds = new (string Id, string Name, Func<string, Task<ServerProcess>> Start)[]
        {
            ("tutorial", "Tutorial's node (Deno 2.9.6), 3 peers", n => servers.TutorialAsync(n)),
            ("ours", "Ours, 3 peers, default settings", n => servers.OursAsync(n)),
        };
        var rates = new Dictionary<string, Figure>();
        var cpu = new Dictionary<string, Figure>();
        foreach (var (id, name, _) in kinds)
        {
            rates[id] = report.Add($"peers3.{id}", name, "records/s", higherIsBetter: true);
            cpu[id] = report.Add($"peers3.{id}.cpu", "…CPU per record, all four nodes", "µs");
        }

        foreach (var rate in rates.Values)
        {
            rate.Note = $"fresh nodes A, B, C, D; A dials the others (POST /peer); {Wrk.Command} at A for {options.Duration:0} s; every peer then holds every record";
        }

        try
        {
            for (var round = 0; round < options.Runs; round++)
            {
                var measured = new Dictionary<string, double>();
                foreach (var (id, name, start) in Rotate(kinds, round))
                {
                    var nodes = new List<ServerProcess>();
                    try
                    {
                        foreach (var letter in "ABCD")
                        {
                            nodes.Add(await start($"{id} {letter}"));
                        }

                        var a = nodes[0];
                        foreach (var peer in nodes.Skip(1))
                        {
                            await a.ConnectAsync(peer.Address);
                        }

                        await WaitAsync(async () => await a.PeerCountAsync() == 3 && (await Task.WhenAll(nodes.Skip(1).Select(n => n.PeerCountAsync()))).All(c => c >= 1),
                            TimeSpan.FromSeconds(30), $"{name}: A and its three peers to connect");
                        var cpuBefore = nodes.Sum(n => n.CpuTime().TotalMicroseconds);
                        var result = await Wrk.PostAsync(a.BaseUri, options.Duration);
                        Check(report, name, result);
                        var held = await a.RecordCountAsync();
                        await WaitAsync(async () => (await Task.WhenAll(nodes.Skip(1).Select(n => n.RecordCountAsync()))).All(c => c == held),
                            TimeSpan.FromSeconds(120), $"{name}: every peer to hold A's {held} records");
                        cpu[id].Runs.Add((nodes.Sum(n => n.CpuTime().TotalMicroseconds) - cpuBefore) / held);
                        measured[id] = result.Rate;
                        rates[id].Runs.Add(result.Rate);
                        Console.WriteLine($"  3 peers round {round + 1}: {name}: {result.Rate:0} records/s, {held} records on every node");
                    }
                    finally
                    {
                        foreach (var node in nodes)
                        {
                            await node.DisposeAsync();
                        }
                    }
                }

                ratios.Tutorial.Runs.Add(measured["ours"] / measured["tutorial"]);
                ratios.TutorialCpu.Runs.Add(cpu["tutorial"].Runs[^1] / cpu["ours"].Runs[^1]);
            }
        }
        finally
        {
            if (Directory.Exists(Servers.DenoCache))
            {
                Directory.Delete(Servers.DenoCache, recursive: true);
            }
        }
    }

    // ------------------------------------------------------------------ the AppHost against the same chain standalone

    private static async Task AppHostVersusStandaloneAsync(Report report, Ratios ratios, Servers servers, CodeUnderTest code, CompareOptions options)
    {
        var n = options.AppHostNodes;
        var topology = $"{n}-node chain, POST at the last node (its record crosses {n - 1} hops), {Wrk.Command} for {options.Duration:0} s on its public port";
        var jit = new AppHostFigures(report, "apphost", "Under the AppHost (dotnet run --no-build, http profile)", n, topology, ratios.Complete);
        var (aotPublish, aotError) = await code.NativeAotAsync();
        var aot = aotPublish is not null
            ? new AppHostFigures(report, "apphost.aot", "Under the AppHost with --launch NativeAot", n, topology, null)
            : null;
        var standaloneRate = report.Add("standalone.rate", "Standalone, same chain (Release build, default settings)", "records/s", higherIsBetter: true);
        standaloneRate.Note = topology;
        var standaloneCpu = report.Add("standalone.cpu", "…CPU per record, the nodes", "µs");
        var standaloneRss = report.Add("standalone.rss.idle", "…node RSS idle (median node)", "MB");
        if (aotPublish is { } seconds)
        {
            report.Add("apphost.aot.publish", "…what --launch NativeAot costs once after each change to the node: dotnet publish -p:PublishAot=true", "s").Runs.Add(seconds);
        }
        else if (code.SupportsNativeAotLaunch)
        {
            report.Notes.Add(aotError!);
        }

        string[] arms = aot is null ? ["apphost", "standalone"] : ["apphost", "standalone", "apphost.aot"];
        for (var round = 0; round < options.AppHostRuns; round++)
        {
            foreach (var arm in Rotate(arms, round))
            {
                if (arm == "standalone")
                {
                    var (rate, cpu, rss) = await StandaloneChainAsync(servers, n, options.Duration, report);
                    standaloneRate.Runs.Add(rate);
                    standaloneCpu.Runs.Add(cpu);
                    standaloneRss.Runs.Add(rss);
                    Console.WriteLine($"  round {round + 1}: standalone chain: {rate:0} records/s, {cpu:0} µs of node CPU per record; node RSS idle {rss:0} MB");
                }
                else
                {
                    var figures = arm == "apphost" ? jit : aot!;
                    await figures.MeasureAsync(code, options.Duration, arm == "apphost" ? [] : ["--launch", "NativeAot"], report);
                    Console.WriteLine($"  round {round + 1}: {figures.Describe()}");
                }
            }

            ratios.AppHost.Runs.Add(jit.Rate.Runs[^1] / standaloneRate.Runs[^1]);
            ratios.AppHostCpu.Runs.Add(standaloneCpu.Runs[^1] / jit.Cpu.Runs[^1]);
            if (aot is not null)
            {
                ratios.AppHostAot.Runs.Add(aot.Rate.Runs[^1] / standaloneRate.Runs[^1]);
            }
        }
    }

    private static async Task<(double Rate, double Cpu, double Rss)> StandaloneChainAsync(Servers servers, int n, double duration, Report report)
    {
        var chain = new List<ServerProcess>();
        try
        {
            for (var i = 0; i < n; i++)
            {
                chain.Add(i == 0 ? await servers.OursAsync("chain 0") : await servers.OursAsync($"chain {i}", null, "--peers", chain[i - 1].Address));
            }

            await WaitAsync(async () => (await Task.WhenAll(chain.Select(c => IsHealthyAsync(c.BaseUri)))).All(h => h), TimeSpan.FromSeconds(60), "the standalone chain to link");
            await Task.Delay(TimeSpan.FromSeconds(5));
            var rss = Stats.Median([.. chain.Select(c => c.RssMb())]);
            var cpuBefore = chain.Sum(c => c.CpuTime().TotalMicroseconds);
            var result = await Wrk.PostAsync(chain[^1].BaseUri, duration);
            Check(report, "standalone chain", result);
            var held = await chain[^1].RecordCountAsync();
            await WaitAsync(async () => (await Task.WhenAll(chain.Select(c => c.RecordCountAsync()))).All(c => c == held),
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

    /// <summary>The figures of one way of running the chain under the real AppHost, and how one round measures them.</summary>
    private sealed class AppHostFigures
    {
        private readonly int _nodes;
        private readonly Figure? _complete;
        private string _last = "";

        public AppHostFigures(Report report, string id, string name, int nodes, string topology, Figure? complete)
        {
            _nodes = nodes;
            _complete = complete;
            Rate = report.Add($"{id}.rate", name, "records/s", higherIsBetter: true);
            Rate.Note = topology;
            Cpu = report.Add($"{id}.cpu", "…CPU per record, every process of the AppHost", "µs");
            Roles = AppHostRoles.ToDictionary(r => r, r => report.Add($"{id}.cpu.{r}", $"…of which {r}", "µs"));
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

        public string Describe() => _last;

        public async Task MeasureAsync(CodeUnderTest code, double duration, string[] args, Report report)
        {
            var n = _nodes;
            await using var run = AppHostRun.Start(code.Root, n, args);
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
            var cpuBefore = CpuOf(family);
            var result = await Wrk.PostAsync(run.Node(n - 1), duration);
            Check(report, $"AppHost {string.Join(' ', args)}", result);
            Rate.Runs.Add(result.Rate);
            var held = await RecordsAtAsync(run.Node(n - 1));
            await WaitAsync(async () => (await Task.WhenAll(Enumerable.Range(0, n).Select(i => RecordsAtAsync(run.Node(i))))).All(c => c == held),
                TimeSpan.FromSeconds(120), "every node under the AppHost to hold every record");
            var cpuAfter = CpuOf(family);
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
            _last = $"AppHost {string.Join(' ', args)}: healthy after {healthy.TotalSeconds:0.0} s; {result.Rate:0} records/s, {Cpu.Runs[^1]:0} µs of CPU per record " +
                $"({string.Join(", ", perRole.Select(r => $"{r.Key} {r.Value:0}"))}); node RSS idle {RssIdle.Runs[^1]:0} MB (PSS {PssIdle.Runs[^1]:0}), " +
                $"after the burst ≤ {RssBurst.Runs[^1]:0} MB; dashboard: {census.RecordTraces} record traces ({census.Complete} complete, " +
                $"{census.WithoutPublish} without publish) for {held} records, {census.Spans} spans";
        }
    }

    // ------------------------------------------------------------------ AppHost start-up and memory at 10 and 50 nodes

    private static async Task StartupAsync(Report report, CodeUnderTest code, CompareOptions options)
    {
        var (aotPublish, aotError) = await code.NativeAotAsync();
        if (aotPublish is null && code.SupportsNativeAotLaunch && !options.Parts.Contains("apphost"))
        {
            report.Notes.Add(aotError!);
        }

        (string Id, string Name, string[] Args)[] modes = aotPublish is not null
            ? [("", "", []), (".aot", " with --launch NativeAot", ["--launch", "NativeAot"])]
            : [("", "", [])];

        foreach (var (id, name, args) in modes)
        {
            foreach (var n in options.StartupNodes)
            {
                var target = n switch { 10 => 5.0, 50 => 20.0, _ => (double?)null };
                var figure = report.Add($"apphost{id}.startup.{n}", $"AppHost{name} start-up to all-healthy, {n} nodes", "s", target is { } t ? $"≤ {t:0}" : null, targetValue: target);
                var aspire = report.Add($"apphost{id}.startup.{n}.aspire", "…of which Aspire itself (spawn → the AppHost prints \"Distributed application started\")", "s");
                var rss = report.Add($"apphost{id}.startup.{n}.rss", $"…node RSS 10 s after all-healthy (median node)", "MB", "≤ 60", targetValue: 60);
                var pss = report.Add($"apphost{id}.startup.{n}.pss", "…node PSS (its share of the memory the nodes use)", "MB");
                figure.Note = "spawn of dotnet run --no-build → every node's /health Healthy";
                var runs = n > 20 ? Math.Min(options.AppHostRuns, 2) : options.AppHostRuns;
                for (var run = 1; run <= runs; run++)
                {
                    await using var appHost = AppHostRun.Start(code.Root, n, args);
                    var healthy = await appHost.WaitHealthyAsync(TimeSpan.FromMinutes(5));
                    figure.Runs.Add(healthy.TotalSeconds);
                    await Task.Delay(TimeSpan.FromSeconds(10));
                    var pids = appHost.NodePids();
                    rss.Runs.Add(Stats.Median([.. pids.Select(ProcFs.RssMb)]));
                    pss.Runs.Add(Stats.Median([.. pids.Select(ProcFs.PssMb)]));
                    if (appHost.AspireStarted is { } started)
                    {
                        aspire.Runs.Add(started.TotalSeconds);
                    }

                    Console.WriteLine($"  AppHost{name}, {n} nodes, run {run}: all healthy after {healthy.TotalSeconds:0.0} s (Aspire started after {appHost.AspireStarted?.TotalSeconds:0.0} s); " +
                        $"node RSS median {rss.Runs[^1]:0} MB, PSS {pss.Runs[^1]:0} MB ({pids.Length} node processes)");
                }
            }
        }
    }

    private static async Task BuildCostAsync(Report report, CodeUnderTest code)
    {
        var fresh = report.Add("build.fresh", "dotnet build AspireP2P.AppHost on a fresh copy of the sources (NuGet cache warm)", "s");
        var edit = report.Add("build.edit", "…again after editing one node source file", "s");
        var none = report.Add("build.none", "…again with nothing changed (what every dotnet run pays)", "s");
        var (f, e, n) = await code.MeasureBuildAsync();
        fresh.Runs.Add(f);
        edit.Runs.Add(e);
        none.Runs.Add(n);
        Console.WriteLine($"  build: fresh {f:0.0} s, after an edit {e:0.0} s, nothing changed {n:0.0} s");
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>The ratio figures, first in the table.</summary>
    private sealed class Ratios(Report report)
    {
        public Figure Kestrel { get; } = report.Add("ratio.kestrel", "0 peers: ours (default settings) ÷ bare Kestrel endpoint", "×", "≥ 0.7", true, 0.7);
        public Figure KestrelCpu { get; } = report.Add("ratio.kestrel.cpu", "…the same by CPU per request: bare Kestrel's ÷ ours", "×", "≥ 0.7", true, 0.7);
        public Figure Logging { get; } = report.Add("ratio.logging", "0 peers: ours default settings ÷ ours logging off", "×", "≥ 0.9", true, 0.9);
        public Figure LoggingCpu { get; } = report.Add("ratio.logging.cpu", "…the same by CPU per request: logging off's ÷ default's", "×", "≥ 0.9", true, 0.9);
        public Figure Tutorial { get; } = report.Add("ratio.tutorial", "3 peers: ours ÷ the tutorial's Deno node", "×", "≥ 3", true, 3);
        public Figure TutorialCpu { get; } = report.Add("ratio.tutorial.cpu", "…the same by CPU per record (all four nodes): the tutorial's ÷ ours", "×", "≥ 3", true, 3);
        public Figure AppHost { get; } = report.Add("ratio.apphost", "Under the AppHost ÷ the same chain standalone (Release)", "×", "≥ 0.6", true, 0.6);
        public Figure AppHostAot { get; } = report.Add("ratio.apphost.aot", "…with --launch NativeAot ÷ the same chain standalone (JIT, Release)", "×", "≥ 0.6", true, 0.6);
        public Figure AppHostCpu { get; } = report.Add("ratio.apphost.cpu", "…the same by CPU per record: standalone nodes' ÷ every AppHost process's", "×", "≥ 0.6", true, 0.6);
        public Figure Complete { get; } = report.Add("traces.complete", "Share of record traces in the dashboard that are complete after the burst", "", "≥ 0.95", true, 0.95);
    }

    /// <summary>CPU time in µs of each process still alive.</summary>
    private static Dictionary<int, double> CpuOf(Dictionary<int, string> processes)
    {
        var cpu = new Dictionary<int, double>();
        foreach (var pid in processes.Keys)
        {
            try
            {
                cpu[pid] = ProcFs.CpuTime(pid).TotalMicroseconds;
            }
            catch (IOException)
            {
                // Exited meanwhile.
            }
        }

        return cpu;
    }

    private static IEnumerable<T> Rotate<T>(T[] items, int round) => items.Skip(round % items.Length).Concat(items.Take(round % items.Length));

    private static void Check(Report report, string name, WrkResult result)
    {
        if (result.Errors > 0)
        {
            report.Notes.Add($"{name}: {result.Errors} of {result.Requests} requests failed (non-2xx or socket errors)");
        }
    }

    private static async Task<int> RecordsAtAsync(Uri node)
    {
        using var records = System.Text.Json.JsonDocument.Parse(await Http.Client.GetStreamAsync(new Uri(node, "/records")));
        return records.RootElement.GetArrayLength();
    }

    private static async Task<bool> IsHealthyAsync(Uri node)
    {
        try
        {
            return await Http.Client.GetStringAsync(new Uri(node, "/health")) == "Healthy";
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    private static void Describe(Report report, CodeUnderTest code, CompareOptions options)
    {
        report.Machine["date"] = report.StartedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        report.Machine["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
        report.Machine["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription;
        report.Machine["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
        report.Machine["cpu"] = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?"
            : "?";
        report.Machine["memory"] = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").First().Split(':')[1].Trim() : "?";
        report.Machine["codeUnderTest"] = code.Description;
        report.Machine["loadClient"] = Wrk.Command;
        report.Machine["rounds"] = $"{options.Runs} (AppHost: {options.AppHostRuns})";
        report.Machine["loadavgAtStart"] = ProcFs.LoadAverage();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AspireP2P.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
