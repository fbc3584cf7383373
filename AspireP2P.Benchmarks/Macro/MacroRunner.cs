using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace AspireP2P.Benchmarks.Macro;

/// <summary>Runs the macro figures against real node processes and prints and writes the results.</summary>
public static partial class MacroRunner
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(180);

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var root = RepoRoot();
        var report = new Report { Label = options.Label };
        DescribeMachine(report, root);
        var aotDirectory = Path.Combine(root, "benchmark-results", "aot-node");
        NodeProcess.BinaryPath = options.NodePath
            ?? (options.Aot ? Path.Combine(aotDirectory, "AspireP2P.Node") : Path.Combine(root, "AspireP2P.Node", "bin", "Release", "net10.0", "AspireP2P.Node"));
        if (options.Build && options.NodePath is null)
        {
            if (options.Aot)
            {
                Console.WriteLine("Publishing the node with Native AOT (Release, linux-x64; a minute or two)…");
                await NodeProcess.RunAsync("dotnet", "publish", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "--nologo", "-v", "q", "-o", aotDirectory, Path.Combine(root, "AspireP2P.Node"));
            }
            else
            {
                Console.WriteLine("Building the node (Release)…");
                await NodeProcess.RunAsync("dotnet", "build", "-c", "Release", "--nologo", "-v", "q", Path.Combine(root, "AspireP2P.Node"));
            }
        }

        report.Machine["node"] = options.NodePath is not null ? NodeProcess.BinaryPath : options.Aot ? "Native AOT (dotnet publish -r linux-x64 -p:PublishAot=true)" : "JIT (dotnet build -c Release)";

        if (!File.Exists(NodeProcess.BinaryPath))
        {
            Console.Error.WriteLine($"No node binary at {NodeProcess.BinaryPath}; build it with: dotnet build -c Release AspireP2P.Node");
            return 1;
        }

        if (options.Client == "wrk" && !File.Exists("/usr/bin/wrk"))
        {
            Console.Error.WriteLine("--client wrk needs wrk: apt-get install -y wrk");
            return 1;
        }

        report.Machine["loadavgAtStart"] = LoadAverage();
        Console.WriteLine($"Load average at start: {report.Machine["loadavgAtStart"]}");
        var what = options.What;
        var clock = Stopwatch.StartNew();
        try
        {
            if (what is "all" or "ingest")
            {
                await IngestAsync(report, options, peers: 0);
                await IngestAsync(report, options, peers: 3);
            }

            if (what is "all" or "latency")
            {
                await OneHopAsync(report, options);
                await ChainAsync(report, options);
            }

            if (what is "all" or "records")
            {
                await RecordsAsync(report, options);
            }

            if (what is "all" or "apphost")
            {
                await AppHostAsync(report, options, root);
            }

            if (what is "all" or "resilience")
            {
                await ReconnectAsync(report, options);
                await MissedRecordsAsync(report, options, 1000);
                await MissedRecordsAsync(report, options, options.Records);
                await DeadPeerAsync(report, options);
                await MeshAsync(report, options);
            }
        }
        finally
        {
            report.Machine["loadavgAtEnd"] = LoadAverage();
            report.Machine["wallSeconds"] = clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            Console.WriteLine();
            Console.WriteLine(report.Table());
            foreach (var note in report.Notes)
            {
                Console.WriteLine($"- {note}");
            }

            Console.WriteLine($"Load average: start {report.Machine["loadavgAtStart"]}, end {report.Machine["loadavgAtEnd"]}; {report.Machine["wallSeconds"]} s");
            var output = Path.IsPathRooted(options.Out) ? options.Out : Path.Combine(root, options.Out);
            await report.WriteAsync(output);
            Console.WriteLine($"Results written to {output}");
        }

        return 0;
    }

    // ---------------------------------------------------------------- issue 5: throughput

    private static async Task IngestAsync(Report report, BenchOptions options, int peers)
    {
        var figure = report.Add($"ingest.peers{peers}", $"Ingest, 16 connections, {peers} peers", "records/s",
            peers == 3 ? "≥ 15,000" : null, higherIsBetter: true, targetValue: peers == 3 ? 15_000 : null);
        figure.Note = options.Client == "wrk" ? "wrk -t2 -c16" : "HttpClient, 16 connections";
        var delivered = peers > 0 ? report.Add($"ingest.peers{peers}.delivered", $"Ingest with {peers} peers, until every peer holds every record", "records/s", higherIsBetter: true) : null;
        var cpu = report.Add($"ingest.peers{peers}.cpu", $"Ingest with {peers} peers: node CPU per record, all {1 + peers} nodes", "µs");
        var cpuA = report.Add($"ingest.peers{peers}.cpu.a", "…of which the node posted to", "µs");
        var cpuClient = report.Add($"ingest.peers{peers}.cpu.client", "…load client (this harness) CPU per record", "µs");
        var runs = options.RunsOr(3);
        for (var run = 1; run <= runs; run++)
        {
            var nodes = await StartAllAsync(1 + peers, i => []);
            try
            {
                var a = nodes[0];
                foreach (var peer in nodes.Skip(1))
                {
                    await a.ConnectAsync(peer.Address);
                }

                await WaitAsync(async () => (await a.PeersAsync()).Length == peers && await AllAsync(nodes.Skip(1), async n => (await n.PeersAsync()).Length == 1),
                    TimeSpan.FromSeconds(30), "the star to connect");

                // Warm-up: JIT, connection pools, buffers.
                await Load.PostAsync(a, 3000, TimeSpan.FromSeconds(30));
                await WaitConvergedAsync(nodes);

                var cpuBefore = nodes.Select(n => n.CpuTime()).ToArray();
                var clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var started = Stopwatch.StartNew();
                var duration = TimeSpan.FromSeconds(options.DurationSeconds);
                var result = options.Client == "wrk" ? await Load.WrkAsync(a, duration) : await Load.PostForAsync(a, duration);
                if (result.Failed > 0)
                {
                    report.Notes.Add($"ingest with {peers} peers, run {run}: {result.Failed} POSTs failed");
                }

                var holdings = await WaitConvergedAsync(nodes);
                var allDelivered = started.Elapsed;
                var cpuUsed = nodes.Select((n, i) => (n.CpuTime() - cpuBefore[i]).TotalMicroseconds / result.Acknowledged).ToArray();
                cpu.Runs.Add(cpuUsed.Sum());
                cpuA.Runs.Add(cpuUsed[0]);
                cpuClient.Runs.Add(options.Client == "wrk" ? double.NaN : (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalMicroseconds / result.Acknowledged);
                figure.Runs.Add(result.Rate);
                delivered?.Runs.Add(result.Acknowledged / allDelivered.TotalSeconds);
                Console.WriteLine($"  ingest {peers} peers run {run}: {result.Acknowledged} in {result.Elapsed.TotalSeconds:0.00} s = {result.Rate:0} records/s; " +
                    $"all {nodes.Length} nodes hold {holdings.Records} ({holdings.Digest}) after {allDelivered.TotalSeconds:0.00} s; " +
                    $"CPU/record: nodes {cpu.Runs[^1]:0.0} µs (A {cpuA.Runs[^1]:0.0}), client {cpuClient.Runs[^1]:0.0} µs");
            }
            finally
            {
                await DisposeAllAsync(nodes);
            }
        }
    }

    // ---------------------------------------------------------------- issue 5: latency

    private static async Task OneHopAsync(Report report, BenchOptions options)
    {
        var p50 = report.Add("onehop.p50", "One-hop delivery p50 (POST at A → arrival at peer B)", "ms", "≤ 0.2", targetValue: 0.2);
        var p99 = report.Add("onehop.p99", "One-hop delivery p99", "ms", "≤ 1", targetValue: 1);
        var post = report.Add("onehop.post.p50", "POST /record round trip p50 (part of the above)", "ms");
        p50.Note = $"{options.Samples} sequential records per run";
        var runs = options.RunsOr(5);
        for (var run = 1; run <= runs; run++)
        {
            await using var a = await NodeProcess.StartAsync("A");
            await using var probe = await ProbePeer.StartAsync();
            await a.ConnectAsync(probe.Address);
            await Load.SequentialAsync(a, probe, 300);
            var (delivery, roundTrip) = await Load.SequentialAsync(a, probe, options.Samples);
            p50.Runs.Add(Stats.Percentile(delivery, 50));
            p99.Runs.Add(Stats.Percentile(delivery, 99));
            post.Runs.Add(Stats.Percentile(roundTrip, 50));
            Console.WriteLine($"  one-hop run {run}: p50 {Stats.Percentile(delivery, 50):0.000} ms, p99 {Stats.Percentile(delivery, 99):0.000} ms, max {delivery[^1]:0.000} ms (POST p50 {Stats.Percentile(roundTrip, 50):0.000} ms)");
        }
    }

    private static async Task ChainAsync(Report report, BenchOptions options)
    {
        const int Length = 10;
        var p50 = report.Add("chain10.p50", "10-node chain propagation p50 (POST at node 1 → arrival past node 10)", "ms", "≤ 3", targetValue: 3);
        var p99 = report.Add("chain10.p99", "10-node chain propagation p99", "ms", "≤ 10", targetValue: 10);
        p50.Note = $"{options.Samples} sequential records per run";
        var runs = options.RunsOr(3);
        for (var run = 1; run <= runs; run++)
        {
            var nodes = await StartChainAsync(Length);
            try
            {
                await using var probe = await ProbePeer.StartAsync();
                await nodes[^1].ConnectAsync(probe.Address);
                await Load.SequentialAsync(nodes[0], probe, 200);
                var (delivery, _) = await Load.SequentialAsync(nodes[0], probe, options.Samples);
                p50.Runs.Add(Stats.Percentile(delivery, 50));
                p99.Runs.Add(Stats.Percentile(delivery, 99));
                Console.WriteLine($"  chain run {run}: p50 {Stats.Percentile(delivery, 50):0.000} ms, p99 {Stats.Percentile(delivery, 99):0.000} ms, max {delivery[^1]:0.000} ms");
            }
            finally
            {
                await DisposeAllAsync(nodes);
            }
        }
    }

    // ---------------------------------------------------------------- issue 5: records, memory, catch-up

    private static async Task RecordsAsync(Report report, BenchOptions options)
    {
        var n = options.Records;
        var nText = n.ToString("#,0", CultureInfo.InvariantCulture);
        var bulk = report.Add("bulk.rate", $"Bulk insert rate, record {n / 10:#,0} → {nText} (16 connections)", "records/s", "≥ 20,000", higherIsBetter: true, targetValue: 20_000);
        var get = report.Add("records.get.p50", $"GET /records with {nText} records, p50", "ms", "≤ 5", targetValue: 5);
        var get99 = report.Add("records.get.p99", $"GET /records with {nText} records, p99", "ms");
        var page = report.Add("records.page.p50", "GET /records?after=…&limit=100 (last page), p50", "ms");
        var idle = report.Add("rss.idle", "RSS idle (fresh node, 5 s after start)", "MB", "≤ 45", targetValue: 45);
        var full = report.Add("rss.full", $"RSS with {nText} records", "MB", "≤ 100", targetValue: 100);
        var afterGet = report.Add("rss.full.afterget", $"RSS with {nText} records, after the GET /records runs", "MB");
        var catchUp = report.Add("catchup.late", $"Late joiner catch-up, {nText} records (POST /peer → equal digest)", "s");
        var size = 0L;
        var runs = options.RunsOr(3);
        for (var run = 1; run <= runs; run++)
        {
            await using var a = await NodeProcess.StartAsync("A");
            await Task.Delay(TimeSpan.FromSeconds(5));
            idle.Runs.Add(a.RssMb());

            var result = await Load.PostAsync(a, n, TimeSpan.FromMinutes(5));
            var (records, _) = await a.HoldingsAsync();
            if (records < n)
            {
                throw new InvalidOperationException($"bulk insert stored only {records} of {n} records ({result.Failed} failed)");
            }

            bulk.Runs.Add((n - n / 10) / result.TenthToLast!.Value.TotalSeconds);
            await Task.Delay(TimeSpan.FromSeconds(2));
            full.Runs.Add(a.RssMb());

            var uri = new Uri(a.BaseUri, "/records");
            using (var document = JsonDocument.Parse(await NodeProcess.Http.GetByteArrayAsync(uri)))
            {
                if (document.RootElement.GetArrayLength() != records)
                {
                    throw new InvalidOperationException($"GET /records returned {document.RootElement.GetArrayLength()} values, the node holds {records}");
                }
            }

            var times = new List<double>();
            for (var i = 0; i < 23; i++)
            {
                var start = Stopwatch.GetTimestamp();
                size = await DrainAsync(uri);
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (i >= 3)
                {
                    times.Add(elapsed);
                }
            }

            var sorted = times.Order().ToArray();
            get.Runs.Add(Stats.Percentile(sorted, 50));
            get99.Runs.Add(Stats.Percentile(sorted, 99));
            var pageUri = new Uri(a.BaseUri, $"/records?after={records - 100}&limit=100");
            var pages = new List<double>();
            for (var i = 0; i < 53; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await DrainAsync(pageUri);
                if (i >= 3)
                {
                    pages.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }

            page.Runs.Add(Stats.Percentile([.. pages.Order()], 50));
            afterGet.Runs.Add(a.RssMb());

            await using var b = await NodeProcess.StartAsync("late joiner");
            var joined = Stopwatch.StartNew();
            await b.ConnectAsync(a.Address);
            var target = await a.HoldingsAsync();
            await WaitAsync(async () => await b.HoldingsAsync() == target, Converge, "the late joiner to catch up", pollMs: 20);
            catchUp.Runs.Add(joined.Elapsed.TotalSeconds);
            Console.WriteLine($"  records run {run}: insert {bulk.Runs[^1]:0}/s, GET p50 {get.Runs[^1]:0.00} ms ({size / 1024} KiB), page p50 {page.Runs[^1]:0.000} ms, " +
                $"RSS idle {idle.Runs[^1]:0.0} MB, full {full.Runs[^1]:0.0} MB, after GET {afterGet.Runs[^1]:0.0} MB, catch-up {catchUp.Runs[^1]:0.00} s");
        }

        get.Note = $"{size / 1024} KiB body, 20 GETs per run, read into a reused buffer";
    }

    // ---------------------------------------------------------------- issue 4: resilience

    private static async Task ReconnectAsync(Report report, BenchOptions options)
    {
        var figure = report.Add("resilience.reconnect", "Reconnect after kill -9 + restart (spawn → both links Connected)", "s");
        var alive = report.Add("resilience.restart.alive", "…of which the restarted process answering /alive", "s");
        var runs = options.RunsOr(5);
        for (var run = 1; run <= runs; run++)
        {
            await using var x = await NodeProcess.StartAsync("X");
            await using var y = await NodeProcess.StartAsync("Y", null, "--peers", x.Address);
            await WaitLinkedAsync(x, y);
            await x.RestartSpawnAsync();
            var clock = Stopwatch.StartNew();
            await x.WaitAliveAsync();
            var aliveAt = clock.Elapsed;
            await WaitLinkedAsync(x, y, pollMs: 10);
            figure.Runs.Add(clock.Elapsed.TotalSeconds);
            alive.Runs.Add(aliveAt.TotalSeconds);
            Console.WriteLine($"  reconnect run {run}: {clock.Elapsed.TotalSeconds:0.000} s (alive after {aliveAt.TotalSeconds:0.000} s)");
        }
    }

    private static async Task MissedRecordsAsync(Report report, BenchOptions options, int missed)
    {
        var text = missed.ToString("#,0", CultureInfo.InvariantCulture);
        var figure = report.Add($"resilience.missed{missed}", $"Catch-up of {text} records missed while down (restart spawn → equal digest)", "s");
        figure.Note = "restarted node keeps --data-dir";
        var runs = options.RunsOr(3);
        for (var run = 1; run <= runs; run++)
        {
            var dataDir = Directory.CreateTempSubdirectory("aspirep2p-bench-");
            try
            {
                await using var x = await NodeProcess.StartAsync("X");
                await using var y = await NodeProcess.StartAsync("Y", null, "--peers", x.Address, "--data-dir", dataDir.FullName);
                await WaitLinkedAsync(x, y);
                await Load.PostAsync(x, 1000, TimeSpan.FromSeconds(60));
                await WaitConvergedAsync([x, y]);

                await y.KillAsync();
                var result = await Load.PostAsync(x, missed, TimeSpan.FromMinutes(5));
                if (result.Acknowledged < missed)
                {
                    throw new InvalidOperationException($"only {result.Acknowledged} of {missed} records were posted");
                }

                await y.RestartSpawnAsync();
                var clock = Stopwatch.StartNew();
                var target = await x.HoldingsAsync();
                await WaitAsync(async () => await TryHoldingsAsync(y) == target, Converge, "the restarted node to catch up", pollMs: 20);
                figure.Runs.Add(clock.Elapsed.TotalSeconds);
                Console.WriteLine($"  missed {missed} run {run}: {clock.Elapsed.TotalSeconds:0.000} s to {target.Records} records");
            }
            finally
            {
                dataDir.Delete(recursive: true);
            }
        }
    }

    private static async Task DeadPeerAsync(Report report, BenchOptions options)
    {
        var figure = report.Add("resilience.dead", "Dead-peer detection (SIGSTOP → neighbour drops the link)", "s");
        var runs = options.RunsOr(5);
        for (var run = 1; run <= runs; run++)
        {
            await using var x = await NodeProcess.StartAsync("X");
            await using var y = await NodeProcess.StartAsync("Y", null, "--peers", x.Address);
            await WaitLinkedAsync(x, y);
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // heartbeats flowing on both links
            var yId = (await y.NodeInfoAsync()).GetProperty("nodeId").GetString();
            await y.SignalAsync("STOP");
            var clock = Stopwatch.StartNew();
            try
            {
                await WaitAsync(async () =>
                {
                    var details = await x.PeerDetailsAsync();
                    var outboundUp = details.GetProperty("outbound").EnumerateArray()
                        .Any(p => p.GetProperty("address").GetString() == y.Address && p.GetProperty("state").GetString() == "Connected");
                    var inboundUp = details.GetProperty("inbound").EnumerateArray().Any(s => s.GetProperty("nodeId").GetString() == yId);
                    return !outboundUp || !inboundUp;
                }, TimeSpan.FromSeconds(60), "the hung peer to be noticed", pollMs: 20);
                figure.Runs.Add(clock.Elapsed.TotalSeconds);
                Console.WriteLine($"  dead peer run {run}: noticed after {clock.Elapsed.TotalSeconds:0.000} s");
            }
            finally
            {
                await y.SignalAsync("CONT");
            }
        }
    }

    private static async Task MeshAsync(Report report, BenchOptions options)
    {
        const int Length = 10;
        var min = report.Add("resilience.mesh.min", "Mesh degree from a 10-chain, --target-peers 3: min", "peers");
        var median = report.Add("resilience.mesh.median", "…median", "peers");
        var max = report.Add("resilience.mesh.max", "…max", "peers");
        var time = report.Add("resilience.mesh.time", "…time until every node has ≥ 3 peers", "s");
        var runs = options.RunsOr(3);
        for (var run = 1; run <= runs; run++)
        {
            var started = Stopwatch.StartNew();
            var nodes = await StartChainAsync(Length, "--target-peers", "3");
            try
            {
                int[] degrees = [];
                double? reached = null;
                var stableSince = Stopwatch.StartNew();
                var previous = "";
                while (started.Elapsed < TimeSpan.FromSeconds(40))
                {
                    degrees = await Task.WhenAll(nodes.Select(async n => (await n.PeersAsync()).Length));
                    if (reached is null && degrees.All(d => d >= 3))
                    {
                        reached = started.Elapsed.TotalSeconds;
                    }

                    var shape = string.Join(',', degrees);
                    if (shape != previous)
                    {
                        previous = shape;
                        stableSince.Restart();
                    }
                    else if (reached is not null && stableSince.Elapsed > TimeSpan.FromSeconds(5))
                    {
                        break;
                    }

                    await Task.Delay(250);
                }

                var sorted = degrees.Select(d => (double)d).Order().ToArray();
                min.Runs.Add(sorted[0]);
                median.Runs.Add(Stats.Median(sorted));
                max.Runs.Add(sorted[^1]);
                if (reached is { } r)
                {
                    time.Runs.Add(r);
                }

                Console.WriteLine($"  mesh run {run}: degrees [{string.Join(", ", degrees)}], all ≥ 3 after {(reached is { } t ? $"{t:0.0} s" : "never (40 s)")} (from spawning the chain)");
            }
            finally
            {
                await DisposeAllAsync(nodes);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static readonly byte[] Sink = new byte[256 * 1024];

    /// <summary>Reads a whole response into one reused buffer: the client allocates nothing per GET, so the time is the node's and the socket's.</summary>
    private static async Task<long> DrainAsync(Uri uri)
    {
        using var response = await NodeProcess.Http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(Sink)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static async Task<NodeProcess[]> StartAllAsync(int count, Func<int, string[]> args)
    {
        var ports = Enumerable.Range(0, count).Select(_ => NodeProcess.FreePort()).ToArray();
        return await Task.WhenAll(Enumerable.Range(0, count).Select(i => NodeProcess.StartAsync($"node{i + 1}", ports[i], args(i))));
    }

    /// <summary>Node i dials node i-1 (--peers), the tutorial's chain; returns once every link is up and every node is healthy.</summary>
    private static async Task<NodeProcess[]> StartChainAsync(int length, params string[] extra)
    {
        var ports = Enumerable.Range(0, length).Select(_ => NodeProcess.FreePort()).ToArray();
        var nodes = await Task.WhenAll(Enumerable.Range(0, length).Select(i => NodeProcess.StartAsync(
            $"node{i + 1}", ports[i], i == 0 ? extra : ["--peers", $"127.0.0.1:{ports[i - 1]}", .. extra])));
        if (extra.Length == 0)
        {
            await WaitAsync(async () => await AllAsync(nodes, async n => await n.IsHealthyAsync())
                && await AllAsync(nodes.Select((n, i) => (n, i)), async p => (await p.n.PeersAsync()).Length == (p.i == 0 || p.i == length - 1 ? 1 : 2)),
                TimeSpan.FromSeconds(60), "the chain to connect");
        }

        return nodes;
    }

    private static async Task WaitLinkedAsync(NodeProcess x, NodeProcess y, int pollMs = 50) =>
        await WaitAsync(async () => (await TryPeersAsync(x)).Contains($"ws://{y.Address}") && (await TryPeersAsync(y)).Contains($"ws://{x.Address}"),
            TimeSpan.FromSeconds(60), $"{x.Name} and {y.Name} to link", pollMs);

    private static async Task<string[]> TryPeersAsync(NodeProcess node)
    {
        try
        {
            return await node.PeersAsync();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    private static async Task<(int, string)> TryHoldingsAsync(NodeProcess node)
    {
        try
        {
            return await node.HoldingsAsync();
        }
        catch (HttpRequestException)
        {
            return (-1, "");
        }
    }

    private static async Task<(int Records, string Digest)> WaitConvergedAsync(NodeProcess[] nodes)
    {
        (int, string) first = default;
        await WaitAsync(async () =>
        {
            var holdings = await Task.WhenAll(nodes.Select(n => n.HoldingsAsync()));
            first = holdings[0];
            return holdings.All(h => h == holdings[0]);
        }, Converge, "every node to hold the same records", pollMs: 20);
        return first;
    }

    private static async Task<bool> AllAsync<T>(IEnumerable<T> items, Func<T, Task<bool>> predicate)
    {
        foreach (var item in items)
        {
            if (!await predicate(item))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, int pollMs = 50)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }

            await Task.Delay(pollMs);
        }
    }

    private static async Task DisposeAllAsync(IEnumerable<NodeProcess?> nodes)
    {
        foreach (var node in nodes)
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }
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

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static void DescribeMachine(Report report, string root)
    {
        report.Machine["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
        report.Machine["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription;
        report.Machine["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
        if (File.Exists("/proc/cpuinfo"))
        {
            report.Machine["cpu"] = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?";
        }

        if (File.Exists("/proc/meminfo"))
        {
            report.Machine["memory"] = File.ReadLines("/proc/meminfo").First().Split(':')[1].Trim();
        }

        try
        {
            report.Machine["commit"] = NodeProcess.RunAsync("git", "-C", root, "rev-parse", "--short", "HEAD").GetAwaiter().GetResult().Trim();
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            report.Machine["commit"] = "?";
        }
    }
}
