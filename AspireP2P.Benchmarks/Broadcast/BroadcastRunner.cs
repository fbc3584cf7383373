using System.Diagnostics;
using System.Globalization;
using AspireP2P.Benchmarks.Compare;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Broadcast;

/// <summary>
/// <c>broadcast</c>: a Maelstrom/Gossip-Glomers-style broadcast workload on real node processes, each on a host of its
/// own (eng/hosts.sh), joined as the AppHost joins them: node i with <c>--peers</c> = node i-1 and <c>--target-peers</c>.
/// Records are posted at random nodes at a steady rate; every node is watched through its event feed; bytes come from
/// the kernel (iptables counters of what each host sends to the others), messages from the nodes' own totals. Nothing
/// reads the peers' frames, so the figures stay comparable when the protocol changes.
/// </summary>
public static class BroadcastRunner
{
    public static async Task<int> RunAsync(BroadcastOptions options)
    {
        var repo = CompareRunner.RepoRoot();
        var nodeDll = options.NodeDll ?? Path.Combine(repo, "AspireP2P.Node", "bin", "Release", "net10.0", "AspireP2P.Node.dll");
        if (options.Build && options.NodeDll is null)
        {
            Console.WriteLine("Building the node (Release)…");
            await NodeProcess.RunAsync("dotnet", "build", "-c", "Release", "--nologo", "-v", "q", Path.Combine(repo, "AspireP2P.Node"));
        }

        var report = new Report { Label = "broadcast" };
        var f = new BroadcastFigures(report, options);
        report.Machine["date"] = report.StartedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        report.Machine["loadavgAtStart"] = ProcFs.LoadAverage();
        report.Machine["workload"] = Describe(options);
        Console.WriteLine($"{report.Machine["date"]}, load average {report.Machine["loadavgAtStart"]}: {report.Machine["workload"]}");
        var apiKey = Guid.NewGuid().ToString("N");
        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(30) };
        HostMesh? mesh = null;
        ConsoleCancelEventHandler onCancel = (_, _) => mesh?.DownNow();
        Console.CancelKeyPress += onCancel;
        try
        {
            Console.WriteLine($"Starting {options.Nodes} nodes on hosts of their own (eng/hosts.sh up {options.Nodes} --target-peers {options.TargetPeers})…");
            mesh = await HostMesh.UpAsync(repo, options.Nodes, options.Port, nodeDll, apiKey, ["--target-peers", options.TargetPeers.ToString(CultureInfo.InvariantCulture)]);
            if (options.DelayMs > 0)
            {
                await mesh.DelayAsync(options.DelayMs);
            }

            var nodes = Enumerable.Range(1, options.Nodes).Select(mesh.Node).ToArray();
            await Measure.WaitAsync(async () => (await Task.WhenAll(nodes.Select(Measure.IsHealthyAsync))).All(h => h), TimeSpan.FromSeconds(180), "every node to be healthy");
            Console.WriteLine($"  all {options.Nodes} healthy after {clock.Elapsed.TotalSeconds:0.0} s");
            var shape = await StableShapeAsync(http, nodes);
            f.Mesh(shape, "before");
            Console.WriteLine($"  mesh: {shape}");

            var idleBefore = await mesh.TrafficAsync();
            var idleClock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds));
            var idle = await mesh.TrafficAsync() - idleBefore;
            var idleSeconds = idleClock.Elapsed.TotalSeconds;
            f.IdleTraffic(idle, idleSeconds);
            Console.WriteLine($"  idle: {idle.Payload / idleSeconds / 1000:0.0} KB/s of TCP payload over the whole mesh ({idle.IpBytes / idleSeconds / 1000:0.0} KB/s of IP packets)");

            await using var watch = new ArrivalWatch(nodes);
            await watch.ReadyAsync(TimeSpan.FromSeconds(60));
            var phase = new LoadPhase(mesh, nodes, watch, http, apiKey, options);
            var clean = await phase.RunAsync("clean", random, partition: null);
            f.Clean(clean, idle, idleSeconds, options.Nodes);
            Console.WriteLine($"  clean: {clean.Acknowledged} of {clean.Records.Count} acknowledged, lost {clean.Lost}, " +
                $"full propagation median {Pct(clean.FullPropagationMs, 50):0} ms, max {Pct(clean.FullPropagationMs, 100):0} ms");
            if (options.Nemesis)
            {
                var side = Enumerable.Range(0, options.Nodes).OrderBy(_ => random.Next()).Take(options.Nodes / 3).Order().ToArray();
                var nemesis = await phase.RunAsync("nemesis", random, side);
                f.Nemesis(nemesis, options.Nodes);
                var after = await MeshShape.ReadAsync(http, nodes);
                f.Mesh(after, "after");
                Console.WriteLine($"  nemesis: {nemesis.Acknowledged} of {nemesis.Records.Count} acknowledged, lost {nemesis.Lost}, " +
                    $"converged {nemesis.ConvergedAfterHealSeconds:0.00} s after the heal; mesh after: {after}");
            }

            if (watch.Gaps > 0)
            {
                report.Notes.Add($"the nodes' event feeds skipped records {watch.Gaps} times; those arrivals were checked with GET /records instead");
            }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            if (mesh is not null)
            {
                await mesh.DisposeAsync();
            }

            report.Machine["loadavgAtEnd"] = ProcFs.LoadAverage();
            report.Machine["wallSeconds"] = clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture);
            Console.WriteLine();
            Console.WriteLine($"{report.Machine["date"]}; load average {report.Machine["loadavgAtStart"]} → {report.Machine["loadavgAtEnd"]}; {report.Machine["wallSeconds"]} s; {report.Machine["workload"]}");
            Console.WriteLine(report.Table());
            foreach (var note in report.Notes)
            {
                Console.WriteLine($"- {note}");
            }

            var output = Path.IsPathRooted(options.Out) ? options.Out : Path.Combine(repo, options.Out);
            await report.WriteAsync(output);
            Console.WriteLine($"Results written to {output}");
        }

        return 0;
    }

    /// <summary>The links once they have stopped changing for 5 s (peer exchange settles), at most 60 s.</summary>
    private static async Task<MeshShape> StableShapeAsync(HttpClient http, Uri[] nodes)
    {
        var clock = Stopwatch.StartNew();
        var shape = await MeshShape.ReadAsync(http, nodes);
        var since = clock.Elapsed;
        while (clock.Elapsed - since < TimeSpan.FromSeconds(5) && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(500);
            var now = await MeshShape.ReadAsync(http, nodes);
            if (now != shape)
            {
                shape = now;
                since = clock.Elapsed;
            }
        }

        return shape;
    }

    private static string Describe(BroadcastOptions o) =>
        $"{o.Nodes} nodes (hosts of their own; node i --peers node i-1, --target-peers {o.TargetPeers}), {o.Rate:0.#} records/s for {o.Seconds:0.#} s at random nodes, " +
        (o.DelayMs > 0 ? $"{o.DelayMs} ms per hop (every packet between hosts, eng/NetDelay), " : "no added delay, ") +
        (o.Nemesis ? $"then again with a third of the nodes cut off from {o.PartitionAt:0.#} s for {o.PartitionSeconds:0.#} s" : "no partition");

    public static double Pct(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : Stats.Percentile(sorted, p);
}
