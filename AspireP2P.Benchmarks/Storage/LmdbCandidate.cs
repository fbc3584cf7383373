using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AspireP2P.Node.Identity;
using LightningDB;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>
/// LMDB (LightningDB): a memory-mapped B+tree. Three databases: rows (big-endian position → origin·seq·ckey·kind·blob,
/// appended with MDB_APPEND), feed (origin·seq → position), content (ckey·position → empty). Opened with NoSync:
/// a commit is written to the file (in the OS, safe from kill -9) without fsync; fsync is an explicit env flush.
/// Reads are zero-copy from the map, so every page read counts in the process's resident set (as file-backed pages).
/// </summary>
internal sealed class LmdbCandidate : IStorageCandidate
{
    private const int MetaLength = NodeId.ByteLength + 8 + 8 + 1;

    private readonly string _directory;
    private readonly LightningEnvironment _environment;
    private readonly LightningDatabase _rows;
    private readonly LightningDatabase _feed;
    private readonly LightningDatabase _content;
    private long _length;

    /// <summary>
    /// LightningDB 0.23.1's bundled linux-x64 liblmdb.so needs glibc 2.38; Debian 12 has 2.36. Fall back to Debian's
    /// liblmdb0 (LMDB 0.9.24) so the engine can be measured; shipping LMDB would need our own native build.
    /// </summary>
    static LmdbCandidate() => NativeLibrary.SetDllImportResolver(typeof(LightningEnvironment).Assembly, (name, assembly, searchPath) =>
        NativeLibrary.TryLoad(name, assembly, searchPath, out var handle) || NativeLibrary.TryLoad("liblmdb.so.0", out handle) ? handle : 0);

    public LmdbCandidate(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        _environment = new LightningEnvironment(directory, new EnvironmentConfiguration { MapSize = 1L << 40, MaxDatabases = 4 });
        _environment.Open(EnvironmentOpenFlags.NoSync | EnvironmentOpenFlags.NoReadAhead);
        using var transaction = _environment.BeginTransaction();
        var create = new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create };
        _rows = transaction.OpenDatabase("rows", create);
        _feed = transaction.OpenDatabase("feed", create);
        _content = transaction.OpenDatabase("content", create);
        using (var cursor = transaction.CreateCursor(_rows))
        {
            var (code, key, _) = cursor.Last();
            _length = code == MDBResultCode.Success ? BinaryPrimitives.ReadInt64BigEndian(key.AsSpan()) + 1 : 0;
        }

        transaction.Commit().ThrowOnError();
    }

    public bool HasIndexes => true;

    public void Append(ReadOnlySpan<BenchRow> batch, bool fsync)
    {
        using (var transaction = _environment.BeginTransaction())
        {
            Span<byte> position = stackalloc byte[8];
            Span<byte> feedKey = stackalloc byte[NodeId.ByteLength + 8];
            Span<byte> contentKey = stackalloc byte[16];
            foreach (var row in batch)
            {
                var at = _length++;
                BinaryPrimitives.WriteInt64BigEndian(position, at);
                var value = new byte[MetaLength + row.Blob.Length];
                row.Origin.Write(value);
                BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(16), row.Seq);
                BinaryPrimitives.WriteUInt64BigEndian(value.AsSpan(24), row.ContentKey);
                value[32] = (byte)row.Kind;
                row.Blob.CopyTo(value.AsSpan(MetaLength));
                transaction.Put(_rows, position, value, PutOptions.AppendData).ThrowOnError();
                row.Origin.Write(feedKey);
                BinaryPrimitives.WriteInt64BigEndian(feedKey[16..], row.Seq);
                transaction.Put(_feed, feedKey, position).ThrowOnError();
                if (row.ContentKey != 0)
                {
                    BinaryPrimitives.WriteUInt64BigEndian(contentKey, row.ContentKey);
                    position.CopyTo(contentKey[8..]);
                    transaction.Put(_content, contentKey, ReadOnlySpan<byte>.Empty).ThrowOnError();
                }
            }

            transaction.Commit().ThrowOnError();
        }

        if (fsync)
        {
            _environment.Flush(true);
        }
    }

    public long ReadRange(long position, int count)
    {
        using var transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        using var cursor = transaction.CreateCursor(_rows);
        Span<byte> key = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(key, position);
        long bytes = 0;
        var (code, _, value) = cursor.SetRange(key) == MDBResultCode.Success ? cursor.GetCurrent() : default;
        for (var i = 0; i < count && code == MDBResultCode.Success; i++)
        {
            bytes += value.AsSpan()[MetaLength..].ToArray().Length;
            (code, _, value) = cursor.Next();
        }

        return bytes;
    }

    public int ReadFeed(NodeId origin, long fromSeq, long toSeq)
    {
        using var transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        using var cursor = transaction.CreateCursor(_feed);
        Span<byte> key = stackalloc byte[NodeId.ByteLength + 8];
        origin.Write(key);
        BinaryPrimitives.WriteInt64BigEndian(key[16..], fromSeq);
        var rows = 0;
        var (code, found, position) = cursor.SetRange(key) == MDBResultCode.Success ? cursor.GetCurrent() : default;
        while (code == MDBResultCode.Success && NodeId.Read(found.AsSpan()) == origin && BinaryPrimitives.ReadInt64BigEndian(found.AsSpan()[16..]) <= toSeq)
        {
            var (rowCode, _, row) = transaction.Get(_rows, position.AsSpan());
            if (rowCode == MDBResultCode.Success)
            {
                _ = row.AsSpan()[MetaLength..].ToArray();
                rows++;
            }

            (code, found, position) = cursor.Next();
        }

        return rows;
    }

    public bool TryGet(NodeId origin, long seq)
    {
        using var transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        Span<byte> key = stackalloc byte[NodeId.ByteLength + 8];
        origin.Write(key);
        BinaryPrimitives.WriteInt64BigEndian(key[16..], seq);
        var (code, _, position) = transaction.Get(_feed, key);
        if (code != MDBResultCode.Success)
        {
            return false;
        }

        var (rowCode, _, row) = transaction.Get(_rows, position.AsSpan());
        return rowCode == MDBResultCode.Success && row.AsSpan()[MetaLength..].ToArray().Length > 0;
    }

    public bool ContainsContent(ulong contentKey)
    {
        using var transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        using var cursor = transaction.CreateCursor(_content);
        Span<byte> key = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(key, contentKey);
        var (code, found, _) = cursor.SetRange(key) == MDBResultCode.Success ? cursor.GetCurrent() : default;
        return code == MDBResultCode.Success && BinaryPrimitives.ReadUInt64BigEndian(found.AsSpan()) == contentKey;
    }

    public long Scan()
    {
        using var transaction = _environment.BeginTransaction(TransactionBeginFlags.ReadOnly);
        using var cursor = transaction.CreateCursor(_rows);
        long rows = 0, check = 0;
        var (code, key, value) = cursor.First();
        while (code == MDBResultCode.Success)
        {
            var meta = value.AsSpan();
            if (meta[32] != 2)
            {
                check += BinaryPrimitives.ReadInt64BigEndian(key.AsSpan()) + NodeId.Read(meta).Low.GetHashCode()
                    + BinaryPrimitives.ReadInt64BigEndian(meta[16..]) + (long)BinaryPrimitives.ReadUInt64BigEndian(meta[24..]);
                rows++;
            }

            (code, key, value) = cursor.Next();
        }

        GC.KeepAlive(check);
        return rows;
    }

    public long FileBytes() => new DirectoryInfo(_directory).EnumerateFiles().Sum(f => f.Length);

    public void Dispose()
    {
        _rows.Dispose();
        _feed.Dispose();
        _content.Dispose();
        _environment.Flush(true);
        _environment.Dispose();
    }
}
