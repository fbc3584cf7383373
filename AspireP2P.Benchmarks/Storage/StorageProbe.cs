using System.Diagnostics;
using System.Text.Json;

using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>
/// One candidate measured in a process of its own (so its resident set is its own): appends, restart, reads.
/// Prints one <c>RESULT {json}</c> line of figures for <see cref="StorageBenchmark"/> to collect.
/// </summary>
internal static class StorageProbe
{
    public const string ResultPrefix = "RESULT ";

    /// <summary>The in-memory baseline holds everything in the heap: its append rate is measured on at most this many rows.</summary>
    private const long MemoryBaselineRows = 2_000_000;

    public static int Run(string engine, string directory, long rows, long budgetBytes, int readRows)
    {
        var figures = new Dictionary<string, double>();
        var workload = new StorageWorkload();
        var inMemory = engine == "memory";
        rows = inMemory ? Math.Min(rows, MemoryBaselineRows) : rows;
        var candidate = Open(engine, directory, budgetBytes);
        var baselineRss = ProcessMemory.RssMb();

        // 1. Full-speed appends in batches of 1–256, one commit per batch (no fsync). Row generation is not timed.
        var batch = new BenchRow[256];
        var appendTime = new Stopwatch();
        long position = 0, commits = 0;
        while (position < rows)
        {
            var size = (int)Math.Min(workload.NextBatchSize(), rows - position);
            for (var i = 0; i < size; i++)
            {
                batch[i] = workload.Next(position + i);
            }

            appendTime.Start();
            candidate.Append(batch.AsSpan(0, size), fsync: false);
            appendTime.Stop();
            position += size;
            commits++;
        }

        figures["rows"] = rows;
        figures["appendRowsPerSec"] = rows / appendTime.Elapsed.TotalSeconds;
        figures["appendCommitsPerSec"] = commits / appendTime.Elapsed.TotalSeconds;
        figures["rssAfterAppendMb"] = ProcessMemory.RssMb();
        figures["anonAfterAppendMb"] = ProcessMemory.AnonMb();

        // 2. One row per commit, no fsync: the worst case of the group commit (a quiet node publishing one record).
        figures["singleCommitsPerSec"] = TimeCommits(candidate, workload, ref position, commits: 10_000, batchSize: 1, fsync: false);

        // 3. With fsync (power-loss safety): single rows, and full batches.
        if (candidate.FsyncPerCommit)
        {
            figures["fsyncSingleCommitsPerSec"] = TimeCommits(candidate, workload, ref position, commits: 300, batchSize: 1, fsync: true);
            figures["fsyncBatch256RowsPerSec"] = 256 * TimeCommits(candidate, workload, ref position, commits: 100, batchSize: 256, fsync: true);
        }

        // 2b. Group commit: 100,000 rows appended without waiting, then one wait for the last (the node's ingest).
        var pipelined = Enumerable.Range(0, 100_000).Select(i => workload.Next(position + i)).ToArray();
        var groupCommit = Stopwatch.StartNew();
        if (candidate.AppendPipelined(pipelined))
        {
            figures["groupCommitRowsPerSec"] = pipelined.Length / groupCommit.Elapsed.TotalSeconds;
            position += pipelined.Length;
        }
        else
        {
            // The engine commits in the caller's thread: the same rows in the largest batches (256 rows per commit).
            for (var at = 0; at < pipelined.Length; at += 256)
            {
                candidate.Append(pipelined.AsSpan(at, Math.Min(256, pipelined.Length - at)), fsync: false);
            }

            position += pipelined.Length;
        }

        pipelined = null;

        // 4. Restart: close, open, scan every row's metadata (what rebuilds the node's indexes).
        var restart = Stopwatch.StartNew();
        if (!inMemory)
        {
            candidate.Dispose();
            candidate = Open(engine, directory, budgetBytes);
        }

        figures["openMs"] = restart.Elapsed.TotalMilliseconds;
        var scanned = candidate.Scan();
        figures["restartMs"] = restart.Elapsed.TotalMilliseconds;
        figures["scanRowsPerSec"] = scanned / (restart.Elapsed.TotalMilliseconds - figures["openMs"]) * 1000;
        figures["rssAfterScanMb"] = ProcessMemory.RssMb();
        if (scanned != position)
        {
            throw new InvalidOperationException($"{engine}: scanned {scanned} rows after reopening, appended {position}");
        }

        var byFeed = Stopwatch.StartNew();
        var scannedByFeed = candidate.ScanByFeed();
        if (scannedByFeed >= 0)
        {
            Check(scannedByFeed == position, $"{engine}: scanned {scannedByFeed} rows by feed, appended {position}");
            figures["scanByFeedRowsPerSec"] = scannedByFeed / byFeed.Elapsed.TotalSeconds;
        }

        var summary = Stopwatch.StartNew();
        if (candidate.FeedSummary() >= 0)
        {
            figures["feedSummaryMs"] = summary.Elapsed.TotalMilliseconds;
        }

        // 5. Read by position range: the first readRows rows in pages of 1,000 (GET /records, catch-up of a peer).
        var read = Stopwatch.StartNew();
        long bytes = 0;
        var toRead = Math.Min(readRows, position);
        for (long at = 0; at < toRead; at += 1000)
        {
            bytes += candidate.ReadRange(at, (int)Math.Min(1000, toRead - at));
        }

        figures["readMBPerSec"] = bytes / 1e6 / read.Elapsed.TotalSeconds;
        figures["readRowsPerSec"] = toRead / read.Elapsed.TotalSeconds;
        figures["rssAfterReadMb"] = ProcessMemory.RssMb();
        figures["anonAfterReadMb"] = ProcessMemory.AnonMb();

        if (candidate.HasIndexes)
        {
            MeasureIndexes(candidate, workload, position, figures);
        }

        figures["fileBytesPerRow"] = (double)candidate.FileBytes() / position;
        figures["rssBaselineMb"] = baselineRss;
        figures["rssPeakMb"] = ProcessMemory.PeakMb();
        candidate.Dispose();
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(figures));
        return 0;
    }

    private static void MeasureIndexes(IStorageCandidate candidate, StorageWorkload workload, long rows, Dictionary<string, double> figures)
    {
        var random = new Random(3);
        var origins = workload.OriginIds;

        // ReadFeed: 100 consecutive seqs of one origin (a peer asking for a range it misses).
        var clock = Stopwatch.StartNew();
        long found = 0;
        const int FeedQueries = 2_000;
        for (var i = 0; i < FeedQueries; i++)
        {
            var origin = random.Next(origins.Count);
            var from = random.NextInt64(1, Math.Max(2, workload.SeqsPerOrigin(origin) - 100));
            found += candidate.ReadFeed(origins[origin], from, from + 99);
        }

        figures["readFeedQueriesPerSec"] = FeedQueries / clock.Elapsed.TotalSeconds;
        figures["readFeedRowsPerSec"] = found / clock.Elapsed.TotalSeconds;

        const int Lookups = 100_000;
        clock.Restart();
        var hits = 0;
        for (var i = 0; i < Lookups; i++)
        {
            var origin = random.Next(origins.Count);
            hits += candidate.TryGet(origins[origin], random.NextInt64(1, workload.SeqsPerOrigin(origin) + 1)) ? 1 : 0;
        }

        figures["tryGetPerSec"] = Lookups / clock.Elapsed.TotalSeconds;
        Check(hits == Lookups, $"TryGet found {hits} of {Lookups}");

        clock.Restart();
        hits = 0;
        for (var i = 0; i < Lookups; i++)
        {
            // Half present (an adopted row's key), half absent (an even key: the benchmark's keys are odd).
            var present = i % 2 == 0;
            var key = present ? StorageWorkload.ContentKeyOf(random.NextInt64(rows / 20) * 20 + 7) : (ulong)random.NextInt64() & ~1UL;
            hits += candidate.ContainsContent(key) == present ? 1 : 0;
        }

        figures["containsContentPerSec"] = Lookups / clock.Elapsed.TotalSeconds;
        Check(hits == Lookups, $"ContainsContent right for {hits} of {Lookups}");
    }

    private static double TimeCommits(IStorageCandidate candidate, StorageWorkload workload, ref long position, int commits, int batchSize, bool fsync)
    {
        var batch = new BenchRow[batchSize];
        var clock = new Stopwatch();
        for (var c = 0; c < commits; c++)
        {
            for (var i = 0; i < batchSize; i++)
            {
                batch[i] = workload.Next(position + i);
            }

            clock.Start();
            candidate.Append(batch, fsync);
            clock.Stop();
            position += batchSize;
        }

        return commits / clock.Elapsed.TotalSeconds;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    public static IStorageCandidate Open(string engine, string directory, long budgetBytes) => engine switch
    {
        "memory" => new RecordLogCandidate(new MemoryRecordLog(), null),
        "log-sqlite" => RecordLogCandidate.OnDisk(directory, budgetBytes, fsync: false),
        "log-sqlite-fsync" => RecordLogCandidate.OnDisk(directory, budgetBytes, fsync: true),
        "sqlite" => new SqliteCandidate(directory, budgetBytes),
        "sqlite-raw" => new SqliteRawCandidate(directory, budgetBytes),
        "sqlite-raw-16k" => new SqliteRawCandidate(directory, budgetBytes, pageSize: 16384),
        "sqlite-raw-8k" => new SqliteRawCandidate(directory, budgetBytes, pageSize: 8192),
        "sqlite-raw-8k-off" => new SqliteRawCandidate(directory, budgetBytes, pageSize: 8192, synchronous: "OFF"),
        "lmdb" => new LmdbCandidate(directory),
        "rocksdb" => new RocksDbCandidate(directory, budgetBytes),
        "faster" => new FasterLogCandidate(directory, budgetBytes),
        _ => throw new ArgumentException($"unknown engine '{engine}'"),
    };
}
