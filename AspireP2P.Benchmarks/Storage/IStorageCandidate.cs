using AspireP2P.Node.Identity;
using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>One row as the benchmark appends it: what <see cref="IRecordLog.Append"/> takes.</summary>
internal readonly record struct BenchRow(NodeId Origin, long Seq, ulong ContentKey, RowKind Kind, byte[] Blob);

/// <summary>
/// A storage engine laid out for the record log's access pattern: rows at dense positions (key = position), an
/// (origin, seq) → position index, a content-key index. Each candidate keeps the layout its engine suits best.
/// </summary>
internal interface IStorageCandidate : IDisposable
{
    /// <summary>False when the engine has no secondary index (the feed and content queries are then not measured).</summary>
    bool HasIndexes { get; }

    /// <summary>False when fsync is chosen when the store is opened rather than per commit (the fsync figures are then not measured).</summary>
    bool FsyncPerCommit => true;

    /// <summary>
    /// Appends every row without waiting, then waits until the last is durable: the node's ingest, where a background
    /// writer commits whatever is pending at once (group commit). False when the engine has no such writer.
    /// </summary>
    bool AppendPipelined(IEnumerable<BenchRow> rows) => false;

    /// <summary>Visits every row's metadata in (origin, seq) order from a covering index; returns how many, or -1 if not supported.</summary>
    long ScanByFeed() => -1;

    /// <summary>Per origin: lowest and highest seq and how many rows, computed inside the engine; returns the origins, or -1 if not supported.</summary>
    long FeedSummary() => -1;

    /// <summary>Appends the batch at the next positions and commits it (written to the OS; fsynced too if asked).</summary>
    void Append(ReadOnlySpan<BenchRow> batch, bool fsync);

    /// <summary>Reads <paramref name="count"/> rows from <paramref name="position"/> (blobs copied out); returns the blob bytes read.</summary>
    long ReadRange(long position, int count);

    /// <summary>Rows of one origin with fromSeq ≤ seq ≤ toSeq (blobs copied out); returns how many.</summary>
    int ReadFeed(NodeId origin, long fromSeq, long toSeq);

    bool TryGet(NodeId origin, long seq);

    bool ContainsContent(ulong contentKey);

    /// <summary>Visits every row's (position, origin, seq, content key, kind) in position order; returns how many.</summary>
    long Scan();

    /// <summary>Total bytes of the engine's files.</summary>
    long FileBytes();
}
