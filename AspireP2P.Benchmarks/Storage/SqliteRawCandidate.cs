using AspireP2P.Node.Identity;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>
/// The same SQLite layout as <see cref="SqliteCandidate"/>, driven through SQLitePCLRaw (the C API that
/// Microsoft.Data.Sqlite wraps) on the connection's handle: prepared statements stepped directly, blobs bound and read
/// as spans. Measures what the ADO.NET layer costs on this access pattern. Its feed index also covers ckey and kind,
/// to measure a start-up scan in (origin, seq) order from the index instead of the table.
/// </summary>
internal sealed class SqliteRawCandidate : IStorageCandidate
{
    private readonly string _directory;
    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _insert;
    private readonly sqlite3_stmt _range;
    private readonly sqlite3_stmt _feed;
    private readonly sqlite3_stmt _get;
    private readonly sqlite3_stmt _content;
    private readonly sqlite3_stmt _begin;
    private readonly sqlite3_stmt _commit;
    private readonly string _synchronous;
    private long _length;

    public SqliteRawCandidate(string directory, long memoryBudgetBytes, int pageSize = 4096, string synchronous = "NORMAL")
    {
        _directory = directory;
        _synchronous = synchronous;
        Directory.CreateDirectory(directory);
        _connection = new SqliteConnection($"Data Source={Path.Combine(directory, "records.db")};Pooling=False");
        _connection.Open();
        _db = _connection.Handle!;
        Execute($"""
            PRAGMA page_size={pageSize};
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous={synchronous};
            PRAGMA mmap_size=0;
            PRAGMA cache_size=-{memoryBudgetBytes / 1024};
            PRAGMA wal_autocheckpoint={16 * 1024 * 1024 / pageSize};
            CREATE TABLE IF NOT EXISTS rows(pos INTEGER PRIMARY KEY, origin BLOB NOT NULL, seq INTEGER NOT NULL, ckey INTEGER NOT NULL, kind INTEGER NOT NULL, blob BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS rows_feed ON rows(origin, seq, ckey, kind) WHERE kind <> 2;
            CREATE INDEX IF NOT EXISTS rows_content ON rows(ckey) WHERE ckey <> 0 AND kind <> 2;
            """);
        using (var last = Prepare("SELECT coalesce(max(pos) + 1, 0) FROM rows"))
        {
            raw.sqlite3_step(last);
            _length = raw.sqlite3_column_int64(last, 0);
        }

        _insert = Prepare("INSERT INTO rows(pos, origin, seq, ckey, kind, blob) VALUES (?, ?, ?, ?, ?, ?)");
        _range = Prepare("SELECT blob FROM rows WHERE pos >= ? ORDER BY pos LIMIT ?");
        _feed = Prepare("SELECT blob FROM rows WHERE origin = ? AND seq BETWEEN ? AND ? AND kind <> 2 ORDER BY seq");
        _get = Prepare("SELECT blob FROM rows WHERE origin = ? AND seq = ? AND kind <> 2");
        _content = Prepare("SELECT 1 FROM rows WHERE ckey = ? AND ckey <> 0 AND kind <> 2 LIMIT 1");
        _begin = Prepare("BEGIN");
        _commit = Prepare("COMMIT");
    }

    public bool HasIndexes => true;

    public void Append(ReadOnlySpan<BenchRow> batch, bool fsync)
    {
        if (fsync)
        {
            Execute("PRAGMA synchronous=FULL");
        }

        Step(_begin);
        Span<byte> origin = stackalloc byte[NodeId.ByteLength];
        foreach (var row in batch)
        {
            row.Origin.Write(origin);
            raw.sqlite3_bind_int64(_insert, 1, _length++);
            raw.sqlite3_bind_blob(_insert, 2, origin);
            raw.sqlite3_bind_int64(_insert, 3, row.Seq);
            raw.sqlite3_bind_int64(_insert, 4, unchecked((long)row.ContentKey));
            raw.sqlite3_bind_int(_insert, 5, (int)row.Kind);
            raw.sqlite3_bind_blob(_insert, 6, row.Blob);
            Step(_insert);
        }

        Step(_commit);
        if (fsync)
        {
            Execute($"PRAGMA synchronous={_synchronous}");
        }
    }

    public long ReadRange(long position, int count)
    {
        raw.sqlite3_bind_int64(_range, 1, position);
        raw.sqlite3_bind_int(_range, 2, count);
        long bytes = 0;
        while (raw.sqlite3_step(_range) == raw.SQLITE_ROW)
        {
            bytes += raw.sqlite3_column_blob(_range, 0).ToArray().Length;
        }

        raw.sqlite3_reset(_range);
        return bytes;
    }

    public int ReadFeed(NodeId origin, long fromSeq, long toSeq)
    {
        Span<byte> key = stackalloc byte[NodeId.ByteLength];
        origin.Write(key);
        raw.sqlite3_bind_blob(_feed, 1, key);
        raw.sqlite3_bind_int64(_feed, 2, fromSeq);
        raw.sqlite3_bind_int64(_feed, 3, toSeq);
        var rows = 0;
        while (raw.sqlite3_step(_feed) == raw.SQLITE_ROW)
        {
            _ = raw.sqlite3_column_blob(_feed, 0).ToArray();
            rows++;
        }

        raw.sqlite3_reset(_feed);
        return rows;
    }

    public bool TryGet(NodeId origin, long seq)
    {
        Span<byte> key = stackalloc byte[NodeId.ByteLength];
        origin.Write(key);
        raw.sqlite3_bind_blob(_get, 1, key);
        raw.sqlite3_bind_int64(_get, 2, seq);
        var found = raw.sqlite3_step(_get) == raw.SQLITE_ROW && raw.sqlite3_column_blob(_get, 0).ToArray().Length > 0;
        raw.sqlite3_reset(_get);
        return found;
    }

    public bool ContainsContent(ulong contentKey)
    {
        raw.sqlite3_bind_int64(_content, 1, unchecked((long)contentKey));
        var found = raw.sqlite3_step(_content) == raw.SQLITE_ROW;
        raw.sqlite3_reset(_content);
        return found;
    }

    public long Scan()
    {
        using var scan = Prepare("SELECT pos, origin, seq, ckey, kind FROM rows WHERE kind <> 2 ORDER BY pos");
        long rows = 0, check = 0;
        while (raw.sqlite3_step(scan) == raw.SQLITE_ROW)
        {
            check += raw.sqlite3_column_int64(scan, 0) + NodeId.Read(raw.sqlite3_column_blob(scan, 1)).Low.GetHashCode()
                + raw.sqlite3_column_int64(scan, 2) + raw.sqlite3_column_int64(scan, 3) + raw.sqlite3_column_int(scan, 4);
            rows++;
        }

        GC.KeepAlive(check);
        return rows;
    }

    /// <summary>The same metadata from the covering feed index (origin, seq, ckey, kind; ~45 B a row instead of ~300).</summary>
    public long ScanByFeed()
    {
        using var scan = Prepare("SELECT pos, origin, seq, ckey, kind FROM rows INDEXED BY rows_feed WHERE kind <> 2 ORDER BY origin, seq");
        long rows = 0, check = 0;
        while (raw.sqlite3_step(scan) == raw.SQLITE_ROW)
        {
            check += raw.sqlite3_column_int64(scan, 0) + NodeId.Read(raw.sqlite3_column_blob(scan, 1)).Low.GetHashCode()
                + raw.sqlite3_column_int64(scan, 2) + raw.sqlite3_column_int64(scan, 3) + raw.sqlite3_column_int(scan, 4);
            rows++;
        }

        GC.KeepAlive(check);
        return rows;
    }

    /// <summary>
    /// What the node's feed index needs at start, aggregated by SQLite over the feed index: a feed with
    /// count = max − min + 1 has no gaps, and only a feed with gaps needs its seqs read.
    /// </summary>
    public long FeedSummary()
    {
        using var summary = Prepare("SELECT origin, min(seq), max(seq), count(*) FROM rows INDEXED BY rows_feed WHERE kind <> 2 GROUP BY origin");
        long origins = 0, rows = 0;
        while (raw.sqlite3_step(summary) == raw.SQLITE_ROW)
        {
            origins++;
            rows += raw.sqlite3_column_int64(summary, 3);
        }

        return rows > 0 ? origins : 0;
    }

    public long FileBytes() => new DirectoryInfo(_directory).EnumerateFiles().Sum(f => f.Length);

    public void Dispose()
    {
        foreach (var statement in new[] { _insert, _range, _feed, _get, _content, _begin, _commit })
        {
            statement.Dispose();
        }

        Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        _connection.Dispose();
    }

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var statement));
        return statement;
    }

    private void Step(sqlite3_stmt statement)
    {
        var result = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (result != raw.SQLITE_DONE)
        {
            Check(result);
        }
    }

    private void Execute(string sql) => Check(raw.sqlite3_exec(_db, sql));

    private void Check(int result)
    {
        if (result is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
        {
            throw new InvalidOperationException($"SQLite error {result}: {raw.sqlite3_errmsg(_db).utf8_to_string()}");
        }
    }
}
