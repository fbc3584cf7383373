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
        var topology = $"{n}-node chain, POST at the last node (its record crosses {n - 1} hops)";
        var appHostRate = report.Add("apphost.rate", "Under the AppHost (dotnet run --no-build, http profile)", "records/s", higherIsBetter: true);
        var standaloneRate = report.Add("standalone.rate", "Standalone, same chain (Release build, default settings)", "records/s", higherIsBetter: true);
        appHostRate.Note = standaloneRate.Note = $"{topology}, {Wrk.Command} for {options.Duration:0} s on the public port";
        var startup = report.Add("apphost.startup.small", $"AppHost start-up to all-healthy, {n} nodes (spawn of dotnet run → every /health Healthy)", "s");
        var rssIdle = report.Add("apphost.rss.idle", $"Node RSS under the AppHost, idle ({n} nodes, median node, 5 s after healthy)", "MB", "≤ 60", targetValue: 60);
        var rssBurst = report.Add("apphost.rss.burst", "Node RSS under the AppHost after the burst (largest node)", "MB");
        var standaloneRss = report.Add("standalone.rss.idle", "Node RSS standalone, idle (median node)", "MB");
        var kept = report.Add("traces.kept", "Record traces the dashboard holds after the burst", "traces", higherIsBetter: true);
        var withoutRoot = report.Add("traces.orphans", "…of which without their publish span (cut at the root)", "traces");
        var complete = ratios.Complete;
        var round = 0;
        foreach (var which in Enumerable.Range(0, options.AppHostRuns * 2).Select(i => (i + (i / 2)) % 2 == 0 ? "apphost" : "standalone"))
        {
            if (which == "apphost")
            {
                await using var run = AppHostRun.Start(code.Root, n, []);
                var healthy = await run.WaitHealthyAsync(TimeSpan.FromMinutes(3));
                startup.Runs.Add(healthy.TotalSeconds);
                var pids = run.NodePids();
                if (pids.Length != n)
                {
                    report.Notes.Add($"AppHost round: found {pids.Length} node processes, expected {n}");
                }

                await Task.Delay(TimeSpan.FromSeconds(5));
                rssIdle.Runs.Add(Stats.Median([.. pids.Select(ProcFs.RssMb)]));
                var result = await Wrk.PostAsync(run.Node(n - 1), options.Duration);
                Check(report, "AppHost", result);
                appHostRate.Runs.Add(result.Rate);
                var held = await RecordsAtAsync(run.Node(n - 1));
                await WaitAsync(async () => (await Task.WhenAll(Enumerable.Range(0, n).Select(i => RecordsAtAsync(run.Node(i))))).All(c => c == held),
                    TimeSpan.FromSeconds(120), "every node under the AppHost to hold every record");
                rssBurst.Runs.Add(pids.Where(ProcFs.IsAlive).Select(ProcFs.RssMb).Max());
                var census = await DashboardTraces.SettledAsync(run.Dashboard, run.ApiKey, n, TimeSpan.FromSeconds(60));
                kept.Runs.Add(census.RecordTraces);
                withoutRoot.Runs.Add(census.WithoutPublish);
                complete.Runs.Add(census.CompleteShare);
                Console.WriteLine($"  AppHost round {++round}: healthy after {healthy.TotalSeconds:0.0} s; {result.Rate:0} records/s; node RSS idle {rssIdle.Runs[^1]:0} MB, " +
                    $"after the burst ≤ {rssBurst.Runs[^1]:0} MB; dashboard: {census.RecordTraces} record traces ({census.Complete} complete, " +
                    $"{census.WithoutPublish} without publish) for {held} records, {census.Spans} spans");
            }
            else
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
                    standaloneRss.Runs.Add(Stats.Median([.. chain.Select(c => c.RssMb())]));
                    var result = await Wrk.PostAsync(chain[^1].BaseUri, options.Duration);
                    Check(report, "standalone chain", result);
                    standaloneRate.Runs.Add(result.Rate);
                    var held = await chain[^1].RecordCountAsync();
                    await WaitAsync(async () => (await Task.WhenAll(chain.Select(c => c.RecordCountAsync()))).All(c => c == held),
                        TimeSpan.FromSeconds(120), "every standalone node to hold every record");
                    Console.WriteLine($"  standalone chain: {result.Rate:0} records/s; node RSS idle {standaloneRss.Runs[^1]:0} MB");
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

        foreach (var (a, s) in appHostRate.Runs.Zip(standaloneRate.Runs))
        {
            ratios.AppHost.Runs.Add(a / s);
        }
    }

    // ------------------------------------------------------------------ AppHost start-up and memory at 10 and 50 nodes

    private static async Task StartupAsync(Report report, CodeUnderTest code, CompareOptions options)
    {
        foreach (var n in options.StartupNodes)
        {
            var target = n switch { 10 => 5.0, 50 => 20.0, _ => (double?)null };
            var figure = report.Add($"apphost.startup.{n}", $"AppHost start-up to all-healthy, {n} nodes", "s", target is { } t ? $"≤ {t:0}" : null, targetValue: target);
            var rss = report.Add($"apphost.startup.{n}.rss", $"…node RSS 10 s after all-healthy ({n} nodes, median node)", "MB", "≤ 60", targetValue: 60);
            figure.Note = "spawn of dotnet run --no-build → every node's /health Healthy";
            var runs = n > 20 ? Math.Min(options.AppHostRuns, 2) : options.AppHostRuns;
            for (var run = 1; run <= runs; run++)
            {
                await using var appHost = AppHostRun.Start(code.Root, n, []);
                var healthy = await appHost.WaitHealthyAsync(TimeSpan.FromMinutes(5));
                figure.Runs.Add(healthy.TotalSeconds);
                await Task.Delay(TimeSpan.FromSeconds(10));
                var pids = appHost.NodePids();
                rss.Runs.Add(Stats.Median([.. pids.Select(ProcFs.RssMb)]));
                Console.WriteLine($"  AppHost {n} nodes run {run}: all healthy after {healthy.TotalSeconds:0.0} s; node RSS median {rss.Runs[^1]:0} MB ({pids.Length} node processes)");
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
        public Figure Complete { get; } = report.Add("traces.complete", "Share of record traces in the dashboard that are complete after the burst", "", "≥ 0.95", true, 0.95);
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
