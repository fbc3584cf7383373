using AspireP2P.Benchmarks.Compare;
using AspireP2P.Benchmarks.Macro;
using AspireP2P.Benchmarks.Micro;
using AspireP2P.Benchmarks.Soak;

namespace AspireP2P.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project AspireP2P.Benchmarks -- all</c> builds the node, starts real node processes on
/// 127.0.0.1 and measures every figure of docs/benchmarks.md; <c>-- micro</c> runs the BenchmarkDotNet hot-path suite.
/// </summary>
public static class Program
{
    private const string Usage = """
        AspireP2P benchmarks. Real node processes on 127.0.0.1 (free ports); every load loop is bounded in count and time.

        usage: dotnet run -c Release --project AspireP2P.Benchmarks -- <what> [options]

          speed        issue 22's figures in one run, medians of 3, fresh processes, with the date and load average:
                       ours ÷ the tutorial's node (3 peers), ours ÷ bare Kestrel (0 peers), AppHost ÷ standalone (3-node
                       chain), signed ÷ unsigned (--unsigned SHA, 097d7a5), 10 and 50 nodes under the AppHost until all
                       healthy, idle node RSS; = compare --runs 3 --warmup 0 --apphost-nodes 3 --only kestrel,tutorial,
                       signed,apphost,startup; takes compare's options (--ports 43000-44999, --no-build, …); ≈ 15 min
          compare      issue 10's ratios side by side in one run (wrk -t1 -c16; apt-get install -y wrk): ours at 0 peers
                       against a bare Kestrel endpoint and against itself with logging off; ours against the tutorial's
                       Deno node with 3 peers each; under the real AppHost against the same chain standalone; AppHost
                       start-up (10 and 50 nodes), node memory, whole traces in the dashboard, build cost of dotnet run
              --repo DIR | --commit SHA   measure another checkout or any commit (git archive) with this harness
              --baseline SHA | --baseline-repo DIR   also measure that one, its rounds interleaved with this one's, and
                            print both side by side (--label, --baseline-label name the columns)
              --runs N (5)  --apphost-runs N (3)  --duration S (5)  --warmup S (3)  --no-build
              --only kestrel,tutorial,signed,apphost,startup,build   --apphost-nodes N (4)  --startup-nodes 10,50
              --unsigned SHA (097d7a5)   --ports FIRST-LAST (or P2P_BENCH_PORTS): every port the run takes
              --out FILE (benchmark-results/compare.json)  --label TEXT
          broadcast    issue 21's broadcast workload (Maelstrom/Gossip Glomers style) on 25 real nodes, each on a host of its
                       own (network namespaces: needs root, iproute2, iptables), joined as the AppHost joins them (--peers
                       the predecessor, --target-peers 3): 20 records/s for 20 s at random nodes, then again with a third of
                       the nodes cut off for 10 s; prints record sends and peer bytes per record, full-propagation
                       median/p99/max, lost, convergence after the heal, idle bytes/s, links and diameter; ≈ 3 min
              --delay-ms 100 (every packet between hosts held back, eng/NetDelay)  --nodes N (25)  --target-peers N (3)
              --rate R (20)  --seconds S (20)  --nemesis false  --partition-at S (5)  --partition-seconds S (10)
              --idle-seconds S (10)  --seed N (21)  --port P (43999: the nodes' port on their hosts)  --node DLL  --no-build
          soak         issue 25: the AppHost with 5 nodes left running under ~50 records/s with a burst now and then; once
                       a minute the dashboard's trace list (GET /api/telemetry/traces?limit=20), its Traces page and one
                       record's trace in Chromium, its RSS and CPU, what it received and holds, whether kept traces are whole
              --minutes M (60)  --nodes N (5)  --rate R (50 records/s)  --burst N (500)  --burst-every M (7 min; 0: none)
              --base-port P --dashboard-port D (free ports; the dashboard takes D, D+1, D+2)  --no-build
              --cooldown M (0: sample this long after the load stops)  --repo DIR (another checkout's AppHost)
              --chromium PATH (/usr/bin/chromium)  --out FILE (benchmark-results/soak.json)  -- <AppHost arguments>
          all          every macro figure (node issue 5 and resilience issue 4), table + JSON
          ingest       POST /record throughput at 16 connections, 0 and 3 peers (delivery to every peer verified)
          latency      one-hop delivery (A -> probe peer) and 10-node chain propagation, p50/p99
          records      bulk insert to 100,000, GET /records, RSS idle and with 100,000, late-joiner catch-up
          apphost      AppHost start-up to all-healthy for N = 10 (when AspireP2P.AppHost is in the build)
          resilience   reconnect after restart, catch-up of 1,000/100,000 missed records, dead-peer detection, mesh degree
          storage      record log storage engines side by side (SQLite, LMDB, RocksDB, FasterLog vs in memory); -- storage --help
          micro        BenchmarkDotNet micro-benchmarks of the hot path (extra arguments go to BenchmarkDotNet)
          memory       issue 20's memory figures: RSS above idle after 3,000 records of 60 KB (publisher, receiver) and
                       after 100,000 foreign origins from one stranger, and what the default rate of new origins lets in
              --records N (3000)  --record-bytes N (60000)  --origins N (100000)  --rate-seconds S (10)
              --base-port N (free ports otherwise)  --node PATH  --no-build

        options:
          --runs N          runs per figure (default: 5 for cheap figures, 3 for the others)
          --records N       records for the 100,000-record figures (default 100000)
          --samples N       latency samples per run (default 1000)
          --duration S      seconds per ingest run (default 5)
          --client http|wrk ingest client: HttpClient (SocketsHttpHandler, 16 connections; default) or wrk (-t2 -c16)
          --node PATH       node binary (default: AspireP2P.Node/bin/Release/net10.0/AspireP2P.Node, built first)
          --aot             use the Native AOT node: dotnet publish -c Release -r linux-x64 -p:PublishAot=true (clang) into
                            benchmark-results/aot-node/, then run every figure against that binary
          --no-build        do not build (or publish) the node first
          --out FILE        JSON results (default benchmark-results/latest.json)
          --label TEXT      label stored in the JSON (e.g. "before", "after")
          --apphost-args S  arguments for the AppHost (space-separated), e.g. to ask for 10 nodes
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        if (args[0] == "storage")
        {
            return await Storage.StorageBenchmark.RunAsync(args[1..]);
        }

        if (args[0] == "bare-kestrel")
        {
            await BareKestrel.RunAsync(args[1..]);
            return 0;
        }

        if (args[0] is "compare" or "speed")
        {
            try
            {
                return await CompareRunner.RunAsync(args[0] == "speed" ? CompareOptions.ParseSpeed(args) : CompareOptions.Parse(args));
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine(ex.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }

        if (args[0] == "memory")
        {
            return await Memory.MemoryRunner.RunAsync(args[1..]);
        }

        if (args[0] == "broadcast")
        {
            try
            {
                return await Broadcast.BroadcastRunner.RunAsync(Broadcast.BroadcastOptions.Parse(args));
            }
            catch (ArgumentException ex)
            {
                Console.Error.WriteLine(ex.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }

        if (args[0] == "soak")
        {
            SoakOptions soak;
            try
            {
                soak = SoakOptions.Parse(args);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine(ex.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }

            return await SoakRunner.RunAsync(soak);
        }

        if (args[0] == "micro")
        {
            HotPathBenchmarks.Run(args[1..]);
            return 0;
        }

        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        return await MacroRunner.RunAsync(options);
    }
}
