using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>
/// <c>dotnet run -c Release --project AspireP2P.Benchmarks -- storage [options]</c>: the record log's storage engines
/// side by side on the node's access pattern. Each (run, engine) is a child process of this program on a fresh
/// directory; the table shows medians over the runs with their spread. docs/storage.md has the figures that decided.
/// </summary>
public static class StorageBenchmark
{
    private const string Usage = """
        usage: dotnet run -c Release --project AspireP2P.Benchmarks -- storage [options]

          --engines LIST   comma-separated, in run order (default memory,log-sqlite,sqlite,sqlite-raw,lmdb,rocksdb,faster;
                           also sqlite-raw-16k and log-sqlite-fsync)
          --rows N         rows appended per engine (default 1000000; the memory baseline stops at 2,000,000)
          --read-rows N    rows read by position range (default 1000000)
          --runs N         runs per engine (default 3)
          --budget-mb N    engine cache / memory budget (default 32)
          --dir PATH       where the stores are made (default: the temp directory); each is removed after its run
          --out FILE       JSON results (default benchmark-results/storage.json)
          --content-keys every|adopted   which rows carry a content key (default adopted: 5% of rows)
        """;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private static readonly (string Key, string Name, string Unit)[] Figures =
    [
        ("appendRowsPerSec", "append, batches of 1–256, commit per batch", "rows/s"),
        ("appendCommitsPerSec", "  … commits", "commits/s"),
        ("singleCommitsPerSec", "append, 1 row per commit", "commits/s"),
        ("groupCommitRowsPerSec", "append 100,000 rows, then one durable wait (group commit)", "rows/s"),
        ("fsyncSingleCommitsPerSec", "append + fsync, 1 row per commit", "commits/s"),
        ("fsyncBatch256RowsPerSec", "append + fsync, 256 rows per commit", "rows/s"),
        ("openMs", "restart: open", "ms"),
        ("restartMs", "restart: open + scan of every row", "ms"),
        ("scanRowsPerSec", "  … scan", "rows/s"),
        ("scanByFeedRowsPerSec", "  … scan from the covering feed index, (origin, seq) order", "rows/s"),
        ("feedSummaryMs", "  … per-origin min/max/count aggregated in the engine instead", "ms"),
        ("readMBPerSec", "read by position range (blob bytes)", "MB/s"),
        ("readRowsPerSec", "  … rows", "rows/s"),
        ("readFeedQueriesPerSec", "ReadFeed, 100 seqs of one origin", "queries/s"),
        ("tryGetPerSec", "TryGet(origin, seq)", "ops/s"),
        ("containsContentPerSec", "ContainsContent (half present)", "ops/s"),
        ("rssBaselineMb", "RSS: process after open, empty", "MB"),
        ("rssAfterAppendMb", "RSS: after appends", "MB"),
        ("anonAfterAppendMb", "  … of which anonymous", "MB"),
        ("rssAfterScanMb", "RSS: after restart + scan", "MB"),
        ("rssAfterReadMb", "RSS: after the range read", "MB"),
        ("anonAfterReadMb", "  … of which anonymous", "MB"),
        ("rssPeakMb", "RSS: peak", "MB"),
        ("fileBytesPerRow", "files per row", "B"),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length >= 1 && args[0] == "--child")
        {
            // --child ENGINE DIR ROWS BUDGET READROWS [every]: one measurement in this process.
            StorageWorkload.ContentKeyOnEveryRow = args.Length > 6 && args[6] == "every";
            return StorageProbe.Run(args[1], args[2], long.Parse(args[3], CultureInfo.InvariantCulture),
                long.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture));
        }

        string[] engines = ["memory", "log-sqlite", "sqlite", "sqlite-raw", "lmdb", "rocksdb", "faster"];
        long rows = 1_000_000, budgetMb = 32;
        int readRows = 1_000_000, runs = 3;
        string directory = Path.Combine(Path.GetTempPath(), "aspirep2p-storage-bench"), output = Path.Combine("benchmark-results", "storage.json");
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--engines": engines = Next().Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                    case "--rows": rows = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--read-rows": readRows = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--runs": runs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--budget-mb": budgetMb = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--dir": directory = Next(); break;
                    case "--out": output = Next(); break;
                    case "--content-keys": StorageWorkload.ContentKeyOnEveryRow = Next() == "every"; break;
                    default: throw new ArgumentException($"unknown option '{args[i]}'");
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var started = DateTimeOffset.Now;
        var loadAtStart = LoadAverage();
        Console.WriteLine($"storage benchmark {started:yyyy-MM-dd HH:mm zzz}; load average {loadAtStart}; {rows:N0} rows, budget {budgetMb} MB, {runs} runs");
        Console.WriteLine(StorageWorkload.Describe());
        var results = engines.ToDictionary(e => e, _ => new List<Dictionary<string, double>>());
        var failures = new Dictionary<string, string>();
        for (var run = 1; run <= runs; run++)
        {
            foreach (var engine in engines)
            {
                var store = Path.Combine(directory, $"{engine}-{Environment.ProcessId}-{run}");
                try
                {
                    var figures = await RunChildAsync(engine, store, rows, budgetMb << 20, readRows);
                    results[engine].Add(figures);
                    Console.WriteLine($"run {run} {engine}: {string.Join(", ", figures.Select(f => $"{f.Key}={f.Value:0.#}"))}");
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
                {
                    // One engine failing (a missing native library, a crash) must not hide the others' figures.
                    failures[engine] = ex.Message.Split('\n')[0];
                    Console.WriteLine($"run {run} {engine}: FAILED {failures[engine]}");
                }
                finally
                {
                    if (Directory.Exists(store))
                    {
                        Directory.Delete(store, recursive: true);
                    }
                }
            }
        }

        var table = Table(engines, results);
        var loadAtEnd = LoadAverage();
        Console.WriteLine();
        Console.WriteLine($"Medians of {runs} runs (min–max); {started:yyyy-MM-dd HH:mm}, load average at start {loadAtStart}, at end {loadAtEnd}");
        Console.WriteLine(table);
        foreach (var (engine, reason) in failures)
        {
            Console.WriteLine($"{engine} failed: {reason}");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new
        {
            started,
            loadAtStart,
            loadAtEnd,
            rows,
            budgetMb,
            readRows,
            workload = StorageWorkload.Describe(),
            runs = results,
            failures,
        }, JsonOptions));
        return 0;
    }

    private static async Task<Dictionary<string, double>> RunChildAsync(string engine, string store, long rows, long budgetBytes, int readRows)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in ChildArguments(engine, store, rows, budgetBytes, readRows))
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"{engine}: no result within 30 minutes");
        }

        var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith(StorageProbe.ResultPrefix, StringComparison.Ordinal));
        return line is not null && child.ExitCode == 0
            ? JsonSerializer.Deserialize<Dictionary<string, double>>(line[StorageProbe.ResultPrefix.Length..])!
            : throw new InvalidOperationException($"{engine} failed (exit {child.ExitCode}): {await stderr}");
    }

    /// <summary>The child is this program again: the apphost binary, or `dotnet the.dll` when run through the muxer.</summary>
    private static IEnumerable<string> ChildArguments(string engine, string store, long rows, long budgetBytes, int readRows)
    {
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            yield return typeof(StorageBenchmark).Assembly.Location;
        }

        yield return "storage";
        yield return "--child";
        yield return engine;
        yield return store;
        yield return rows.ToString(CultureInfo.InvariantCulture);
        yield return budgetBytes.ToString(CultureInfo.InvariantCulture);
        yield return readRows.ToString(CultureInfo.InvariantCulture);
        yield return StorageWorkload.ContentKeyOnEveryRow ? "every" : "adopted";
    }

    private static string Table(string[] engines, Dictionary<string, List<Dictionary<string, double>>> results)
    {
        var text = new StringBuilder();
        text.Append("| Figure | ").AppendJoin(" | ", engines).AppendLine(" |");
        text.Append("|---|").AppendJoin("", engines.Select(_ => "---:|")).AppendLine();
        foreach (var (key, name, unit) in Figures)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {name} ({unit}) |");
            foreach (var engine in engines)
            {
                var values = results[engine].Where(r => r.ContainsKey(key)).Select(r => r[key]).Order().ToArray();
                text.Append(' ').Append(values.Length == 0 ? "—" : Cell(values)).Append(" |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Cell(double[] sorted)
    {
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return sorted.Length == 1 ? Format(median) : $"{Format(median)} ({Format(sorted[0])}–{Format(sorted[^1])})";
    }

    private static string Format(double value) => value switch
    {
        >= 1000 => value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.0#", CultureInfo.InvariantCulture),
    };

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
