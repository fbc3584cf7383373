using AspireP2P.Node.Identity;
using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>
/// An <see cref="IRecordLog"/> as the node uses it: the lead's <see cref="MemoryRecordLog"/> (everything in memory, the
/// baseline) or the node's on-disk log from <see cref="RecordLogFactory"/> (background group commit, durable waits).
/// Fsync is an option of the log, not of a commit: the fsync figures are measured by opening it with Fsync.
/// </summary>
internal sealed class RecordLogCandidate(IRecordLog log, string? directory) : IStorageCandidate
{
    private readonly LogRow[] _buffer = new LogRow[1000];

    public bool HasIndexes => true;

    public bool FsyncPerCommit => false;

    public static RecordLogCandidate OnDisk(string directory, long budgetBytes, bool fsync) =>
        new(RecordLogFactory.Open(directory, new RecordLogOptions { MemoryBudgetBytes = budgetBytes, Fsync = fsync }), directory);

    public void Append(ReadOnlySpan<BenchRow> batch, bool fsync)
    {
        var last = 0L;
        foreach (var row in batch)
        {
            last = log.Append(row.Origin, row.Seq, row.ContentKey, row.Kind, row.Blob);
        }

        log.WaitDurableAsync(last, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    public bool AppendPipelined(IEnumerable<BenchRow> rows)
    {
        var last = -1L;
        foreach (var row in rows)
        {
            last = log.Append(row.Origin, row.Seq, row.ContentKey, row.Kind, row.Blob);
        }

        log.WaitDurableAsync(last, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return true;
    }

    public long ReadRange(long position, int count)
    {
        long bytes = 0;
        var read = log.Read(position, _buffer.AsSpan(0, Math.Min(count, _buffer.Length)));
        for (var i = 0; i < read; i++)
        {
            bytes += _buffer[i].Blob.Length;
        }

        return bytes;
    }

    public int ReadFeed(NodeId origin, long fromSeq, long toSeq) => log.ReadFeed(origin, fromSeq, toSeq, _buffer);

    public bool TryGet(NodeId origin, long seq) => log.TryGet(origin, seq, out _);

    public bool ContainsContent(ulong contentKey) => log.ContainsContent(contentKey);

    public long Scan() => log.Scan().LongCount();

    public long FileBytes() => directory is null ? 0 : new DirectoryInfo(directory).EnumerateFiles().Sum(f => f.Length);

    public void Dispose() => log.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
