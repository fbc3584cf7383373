using AspireP2P.Node.Identity;
using Microsoft.Data.Sqlite;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>
/// SQLite in WAL mode: one table keyed by position (the rowid, so appends go to the end of its B-tree), a partial index
/// on (origin, seq) and one on the content key. synchronous=NORMAL: a commit is written to the WAL (in the OS, safe
/// from kill -9) without fsync; FULL fsyncs the WAL per commit. No mmap; the page cache is the memory budget.
/// </summary>
internal sealed class SqliteCandidate : IStorageCandidate
{
    private readonly string _directory;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _range;
    private readonly SqliteCommand _feed;
    private readonly SqliteCommand _get;
    private readonly SqliteCommand _content;
    private long _length;

    public SqliteCandidate(string directory, long memoryBudgetBytes)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(directory, "records.db"),
            Pooling = false,
        }.ToString());
        _connection.Open();
        Execute($"""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            PRAGMA mmap_size=0;
            PRAGMA cache_size=-{memoryBudgetBytes / 1024};
            PRAGMA wal_autocheckpoint=4096;
            CREATE TABLE IF NOT EXISTS rows(pos INTEGER PRIMARY KEY, origin BLOB NOT NULL, seq INTEGER NOT NULL, ckey INTEGER NOT NULL, kind INTEGER NOT NULL, blob BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS rows_feed ON rows(origin, seq) WHERE kind <> 2;
            CREATE INDEX IF NOT EXISTS rows_content ON rows(ckey) WHERE ckey <> 0 AND kind <> 2;
            """);
        using (var count = Command("SELECT coalesce(max(pos) + 1, 0) FROM rows"))
        {
            _length = (long)count.ExecuteScalar()!;
        }

        _insert = Command("INSERT INTO rows(pos, origin, seq, ckey, kind, blob) VALUES ($pos, $origin, $seq, $ckey, $kind, $blob)",
            "$pos", "$origin", "$seq", "$ckey", "$kind", "$blob");
        _range = Command("SELECT blob FROM rows WHERE pos >= $from ORDER BY pos LIMIT $count", "$from", "$count");
        _feed = Command("SELECT blob FROM rows WHERE origin = $origin AND seq BETWEEN $from AND $to AND kind <> 2 ORDER BY seq", "$origin", "$from", "$to");
        _get = Command("SELECT blob FROM rows WHERE origin = $origin AND seq = $seq AND kind <> 2", "$origin", "$seq");
        _content = Command("SELECT 1 FROM rows WHERE ckey = $ckey AND ckey <> 0 AND kind <> 2 LIMIT 1", "$ckey");
    }

    public bool HasIndexes => true;

    public void Append(ReadOnlySpan<BenchRow> batch, bool fsync)
    {
        if (fsync)
        {
            Execute("PRAGMA synchronous=FULL");
        }

        using (var transaction = _connection.BeginTransaction())
        {
            _insert.Transaction = transaction;
            var p = _insert.Parameters;
            foreach (var row in batch)
            {
                p[0].Value = _length++;
                p[1].Value = OriginBytes(row.Origin);
                p[2].Value = row.Seq;
                p[3].Value = unchecked((long)row.ContentKey);
                p[4].Value = (int)row.Kind;
                p[5].Value = row.Blob;
                _insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        if (fsync)
        {
            Execute("PRAGMA synchronous=NORMAL");
        }
    }

    public long ReadRange(long position, int count)
    {
        _range.Parameters[0].Value = position;
        _range.Parameters[1].Value = count;
        long bytes = 0;
        using var reader = _range.ExecuteReader();
        while (reader.Read())
        {
            bytes += reader.GetFieldValue<byte[]>(0).Length;
        }

        return bytes;
    }

    public int ReadFeed(NodeId origin, long fromSeq, long toSeq)
    {
        _feed.Parameters[0].Value = OriginBytes(origin);
        _feed.Parameters[1].Value = fromSeq;
        _feed.Parameters[2].Value = toSeq;
        var rows = 0;
        using var reader = _feed.ExecuteReader();
        while (reader.Read())
        {
            _ = reader.GetFieldValue<byte[]>(0);
            rows++;
        }

        return rows;
    }

    public bool TryGet(NodeId origin, long seq)
    {
        _get.Parameters[0].Value = OriginBytes(origin);
        _get.Parameters[1].Value = seq;
        using var reader = _get.ExecuteReader();
        return reader.Read() && reader.GetFieldValue<byte[]>(0).Length > 0;
    }

    public bool ContainsContent(ulong contentKey)
    {
        _content.Parameters[0].Value = unchecked((long)contentKey);
        return _content.ExecuteScalar() is not null;
    }

    public long Scan()
    {
        using var scan = Command("SELECT pos, origin, seq, ckey, kind FROM rows WHERE kind <> 2 ORDER BY pos");
        using var reader = scan.ExecuteReader();
        long rows = 0, check = 0;
        var origin = new byte[NodeId.ByteLength];
        while (reader.Read())
        {
            var position = reader.GetInt64(0);
            reader.GetBytes(1, 0, origin, 0, origin.Length);
            check += position + reader.GetInt64(2) + reader.GetInt64(3) + reader.GetInt32(4) + NodeId.Read(origin).Low.GetHashCode();
            rows++;
        }

        GC.KeepAlive(check);
        return rows;
    }

    public long FileBytes() => new DirectoryInfo(_directory).EnumerateFiles().Sum(f => f.Length);

    public void Dispose()
    {
        foreach (var command in new[] { _insert, _range, _feed, _get, _content })
        {
            command.Dispose();
        }

        Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        _connection.Dispose();
    }

    private static byte[] OriginBytes(NodeId origin)
    {
        var bytes = new byte[NodeId.ByteLength];
        origin.Write(bytes);
        return bytes;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        if (parameters.Length > 0)
        {
            command.Prepare();
        }

        return command;
    }
}
