using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Memory;

/// <summary>
/// Issue 20's memory figures on real node processes: RSS above idle after 3,000 records of 60 KB, on the publisher and on
/// a receiver (target ≤ 100 MiB each), and after 100,000 foreign origins pushed by one stranger (target ≤ 50 MiB), with
/// what the per-link rate of new origins lets through at its default. Prints a table with the date and the load.
/// </summary>
public static class MemoryRunner
{
    /// <summary>Quiet time before each measurement (a node gives memory back within about 10 s of going quiet).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);

    /// <summary>How long to keep the nodes of a figure running after it is measured (to look at them with dotnet-gcdump).</summary>
    private static TimeSpan s_pause;

    private static async Task PauseAsync(params NodeProcess[] nodes)
    {
        if (s_pause > TimeSpan.Zero)
        {
            Console.WriteLine($"pausing {s_pause.TotalSeconds:0} s: {string.Join(", ", nodes.Select(n => $"{n.Name} pid {n.Pid}"))}");
            await Task.Delay(s_pause);
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var records = 3000;
        var recordBytes = 60_000;
        var origins = 100_000;
        var rateSeconds = 10;
        var build = true;
        var only = "all";
        var pause = TimeSpan.Zero;
        int? basePort = null;
        string? nodePath = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--records": records = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--record-bytes": recordBytes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--origins": origins = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rate-seconds": rateSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--base-port": basePort = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--node": nodePath = Next(); break;
                case "--no-build": build = false; break;
                case "--only": only = Next(); break;
                case "--pause": pause = TimeSpan.FromSeconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; memory [--records 3000] [--record-bytes 60000] [--origins 100000] [--rate-seconds 10] [--base-port N] [--node PATH] [--no-build]");
                    return 2;
            }
        }

        var root = RepoRoot();
        NodeProcess.BinaryPath = nodePath ?? Path.Combine(root, "AspireP2P.Node", "bin", "Release", "net10.0", "AspireP2P.Node");
        if (build && nodePath is null)
        {
            Console.WriteLine("Building the node (Release)…");
            await NodeProcess.RunAsync("dotnet", "build", "-c", "Release", "--nologo", "-v", "q", Path.Combine(root, "AspireP2P.Node"));
        }

        var port = basePort;
        int NextPort() => port is { } p ? (port = p + 1).Value - 1 : NodeProcess.FreePort();

        Console.WriteLine($"{DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}, load average {LoadAverage()}, {Environment.ProcessorCount} cores; node {NodeProcess.BinaryPath}");
        var rows = new List<string>();
        s_pause = pause;
        if (only is "all" or "records")
        {
            rows.AddRange(await LargeRecordsAsync(records, recordBytes, NextPort));
        }

        if (only is "all" or "origins")
        {
            rows.AddRange(await ForeignOriginsAsync(origins, NextPort));
        }

        if (only is "all" or "rate")
        {
            rows.Add(await RateLimitedOriginsAsync(rateSeconds, NextPort));
        }
        Console.WriteLine();
        Console.WriteLine("| figure | idle | after (lowest–highest over a minute) | above idle | target |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }

        Console.WriteLine($"load average at the end {LoadAverage()}");
        return 0;
    }

    private static async Task<string[]> LargeRecordsAsync(int records, int recordBytes, Func<int> nextPort)
    {
        await using var publisher = await NodeProcess.StartAsync("publisher", nextPort());
        await using var receiver = await NodeProcess.StartAsync("receiver", nextPort(), "--peers", publisher.Address);
        await UntilAsync(async () => await receiver.IsHealthyAsync() && (await publisher.PeersAsync()).Length == 1, "the receiver to link");
        await Task.Delay(Settle);
        var (publisherIdle, receiverIdle) = (publisher.RssMb(), receiver.RssMb());

        var clock = Stopwatch.StartNew();
        var value = new string('x', recordBytes - 2);
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= records)
            {
                using var response = await NodeProcess.Http.PostAsJsonAsync(new Uri(publisher.BaseUri, "/record"), new { record = value });
                response.EnsureSuccessStatusCode();
            }
        })));
        await UntilAsync(async () => (await receiver.HoldingsAsync()).Records >= records, $"the receiver to hold {records} records");
        Console.WriteLine($"{records} records of {recordBytes / 1000} KB posted and received in {clock.Elapsed.TotalSeconds:0.0} s");
        var (publisherPeak, receiverPeak) = (Rss(publisher), Rss(receiver));
        await Task.Delay(Settle);
        var (publisherAfter, receiverAfter) = await SampleAsync(publisher, receiver);
        await PauseAsync(publisher, receiver);
        return
        [
            Row($"publisher, {records:N0} records of {recordBytes / 1000} KB (peak right after: {publisherPeak:0} MiB)", publisherIdle, publisherAfter, "≤ 100 MiB"),
            Row($"receiver, {records:N0} records of {recordBytes / 1000} KB (peak right after: {receiverPeak:0} MiB)", receiverIdle, receiverAfter, "≤ 100 MiB"),
        ];
    }

    private static async Task<string[]> ForeignOriginsAsync(int origins, Func<int> nextPort)
    {
        // The per-link rate of new origins is the defense; this figure measures what each origin costs, so it is lifted.
        string[] unlimited = ["--P2P:NewOriginsPerSecond", "1000000"];
        await using var node = await NodeProcess.StartAsync("node", nextPort(), unlimited);
        await using var peer = await NodeProcess.StartAsync("peer", nextPort(), [.. unlimited, "--peers", node.Address]);
        await UntilAsync(async () => await peer.IsHealthyAsync(), "the peer to link");
        await Task.Delay(Settle);
        var (nodeIdle, peerIdle) = (node.RssMb(), peer.RssMb());

        var clock = Stopwatch.StartNew();
        await using (var pusher = await FeedPusher.ConnectAsync(new Uri($"ws://{node.Address}")))
        {
            await pusher.PushAsync(origins);
            await UntilAsync(async () => (await node.HoldingsAsync()).Records >= origins && (await peer.HoldingsAsync()).Records >= origins, $"both nodes to hold {origins} feeds");
        }

        Console.WriteLine($"{origins:N0} feeds pushed by one stranger, held by the node it linked to and by that node's peer, in {clock.Elapsed.TotalSeconds:0.0} s");
        await Task.Delay(Settle);
        var (nodeAfter, peerAfter) = await SampleAsync(node, peer);
        await PauseAsync(node, peer);
        return
        [
            Row($"node the stranger linked to, {origins:N0} foreign origins", nodeIdle, nodeAfter, "≤ 50 MiB"),
            Row($"its peer, {origins:N0} foreign origins", peerIdle, peerAfter, "≤ 50 MiB"),
        ];
    }

    private static async Task<string> RateLimitedOriginsAsync(int seconds, Func<int> nextPort)
    {
        await using var node = await NodeProcess.StartAsync("node", nextPort());
        var idle = node.RssMb();
        var deadline = Stopwatch.StartNew();
        int sent;
        await using (var pusher = await FeedPusher.ConnectAsync(new Uri($"ws://{node.Address}")))
        {
            sent = await pusher.PushAsync(int.MaxValue, _ => deadline.Elapsed < TimeSpan.FromSeconds(seconds));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var held = (await node.HoldingsAsync()).Records;
        var rejected = (await node.NodeInfoAsync()).GetProperty("totals").GetProperty("rejected").GetInt64();
        Console.WriteLine($"default P2P:NewOriginsPerSecond (100 per link, burst 1,000): a stranger sent {sent:N0} new feeds in {seconds} s; the node took {held:N0}, refused {rejected:N0}");
        return Row($"default rate of new origins: {held:N0} of {sent:N0} feeds taken in {seconds} s", idle, node.RssMb(), "rate-limited");
    }

    private static double Rss(NodeProcess node) => node.RssMb();

    /// <summary>
    /// RSS of two nodes, sampled every 2 s for a minute: the highest of each (a node's periodic work, a full vector of every
    /// feed every 30 s, allocates and its heap grows for a while), so the figure is not a lucky moment.
    /// </summary>
    private static async Task<(Sampled First, Sampled Second)> SampleAsync(NodeProcess first, NodeProcess second)
    {
        var (a, b) = (new List<double>(), new List<double>());
        for (var i = 0; i < 30; i++)
        {
            a.Add(first.RssMb());
            b.Add(second.RssMb());
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        return (new Sampled(a.Min(), a.Max()), new Sampled(b.Min(), b.Max()));
    }

    private readonly record struct Sampled(double Low, double High);

    private static string Row(string what, double idle, Sampled after, string target) =>
        string.Create(CultureInfo.InvariantCulture, $"| {what} | {idle:0} MiB | {after.Low:0}–{after.High:0} MiB | {after.Low - idle:0}–{after.High - idle:0} MiB | {target} |");

    private static string Row(string what, double idle, double after, string target) =>
        string.Create(CultureInfo.InvariantCulture, $"| {what} | {idle:0} MiB | {after:0} MiB | {after - idle:0} MiB | {target} |");

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Limit)
            {
                throw new TimeoutException($"gave up waiting for {what}");
            }

            await Task.Delay(200);
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AspireP2P.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? Directory.GetCurrentDirectory();
    }
}
