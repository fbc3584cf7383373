using System.Buffers.Binary;
using AspireP2P.Node.Identity;
using RocksDbSharp;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>
/// RocksDB: an LSM tree. Column families rows (big-endian position → origin·seq·ckey·kind·blob), feed (origin·seq →
/// position), content (ckey·position → empty); one WriteBatch per commit. The WAL is written to the OS at every write
/// (safe from kill -9); sync=true fsyncs it. The memory budget is split between the block cache and the memtables.
/// </summary>
internal sealed class RocksDbCandidate : IStorageCandidate
{
    private const int MetaLength = NodeId.ByteLength + 8 + 8 + 1;

    private readonly string _directory;
    private readonly RocksDb _db;
    private readonly ColumnFamilyHandle _rows;
    private readonly ColumnFamilyHandle _feed;
    private readonly ColumnFamilyHandle _content;
    private readonly WriteOptions _noSync = new WriteOptions().SetSync(false);
    private readonly WriteOptions _sync = new WriteOptions().SetSync(true);
    private long _length;

    public RocksDbCandidate(string directory, long memoryBudgetBytes)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        var cache = Cache.CreateLru((ulong)(memoryBudgetBytes / 2));
        ColumnFamilyOptions Family() => new ColumnFamilyOptions()
            .SetWriteBufferSize((ulong)(memoryBudgetBytes / 8))
            .SetMaxWriteBufferNumber(2)
            .SetCompression(Compression.No)
            .SetBlockBasedTableFactory(new BlockBasedTableOptions().SetBlockCache(cache).SetCacheIndexAndFilterBlocks(true));
        var families = new ColumnFamilies(Family()) { { "feed", Family() }, { "content", Family() } };
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetMaxOpenFiles(256)
            .SetMaxBackgroundCompactions(1)
            .SetMaxBackgroundFlushes(1);
        _db = RocksDb.Open(options, directory, families);
        _rows = _db.GetDefaultColumnFamily();
        _feed = _db.GetColumnFamily("feed");
        _content = _db.GetColumnFamily("content");
        using var last = _db.NewIterator(_rows);
        last.SeekToLast();
        _length = last.Valid() ? BinaryPrimitives.ReadInt64BigEndian(last.GetKeySpan()) + 1 : 0;
    }

    public bool HasIndexes => true;

    public void Append(ReadOnlySpan<BenchRow> batch, bool fsync)
    {
        using var write = new WriteBatch();
        var position = new byte[8];
        var feedKey = new byte[NodeId.ByteLength + 8];
        var contentKey = new byte[16];
        foreach (var row in batch)
        {
            BinaryPrimitives.WriteInt64BigEndian(position, _length++);
            var value = new byte[MetaLength + row.Blob.Length];
            row.Origin.Write(value);
            BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(16), row.Seq);
            BinaryPrimitives.WriteUInt64BigEndian(value.AsSpan(24), row.ContentKey);
            value[32] = (byte)row.Kind;
            row.Blob.CopyTo(value.AsSpan(MetaLength));
            write.Put(position, value, _rows);
            row.Origin.Write(feedKey);
            BinaryPrimitives.WriteInt64BigEndian(feedKey.AsSpan(16), row.Seq);
            write.Put(feedKey, position, _feed);
            if (row.ContentKey != 0)
            {
                BinaryPrimitives.WriteUInt64BigEndian(contentKey, row.ContentKey);
                position.CopyTo(contentKey.AsSpan(8));
                write.Put(contentKey, Array.Empty<byte>(), _content);
            }
        }

        _db.Write(write, fsync ? _sync : _noSync);
    }

    public long ReadRange(long position, int count)
    {
        using var iterator = _db.NewIterator(_rows);
        var key = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(key, position);
        long bytes = 0;
        iterator.Seek(key);
        for (var i = 0; i < count && iterator.Valid(); i++)
        {
            bytes += iterator.GetValueSpan()[MetaLength..].ToArray().Length;
            iterator.Next();
        }

        return bytes;
    }

    public int ReadFeed(NodeId origin, long fromSeq, long toSeq)
    {
        using var iterator = _db.NewIterator(_feed);
        var key = new byte[NodeId.ByteLength + 8];
        origin.Write(key);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(16), fromSeq);
        var rows = 0;
        iterator.Seek(key);
        while (iterator.Valid())
        {
            var found = iterator.GetKeySpan();
            if (NodeId.Read(found) != origin || BinaryPrimitives.ReadInt64BigEndian(found[16..]) > toSeq)
            {
                break;
            }

            var row = _db.Get(iterator.Value(), _rows);
            if (row is not null)
            {
                _ = row.AsSpan(MetaLength).ToArray();
                rows++;
            }

            iterator.Next();
        }

        return rows;
    }

    public bool TryGet(NodeId origin, long seq)
    {
        var key = new byte[NodeId.ByteLength + 8];
        origin.Write(key);
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(16), seq);
        var position = _db.Get(key, _feed);
        return position is not null && _db.Get(position, _rows) is { Length: > MetaLength };
    }

    public bool ContainsContent(ulong contentKey)
    {
        using var iterator = _db.NewIterator(_content);
        var key = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(key, contentKey);
        iterator.Seek(key);
        return iterator.Valid() && BinaryPrimitives.ReadUInt64BigEndian(iterator.GetKeySpan()) == contentKey;
    }

    public long Scan()
    {
        using var iterator = _db.NewIterator(_rows, new ReadOptions().SetFillCache(false));
        long rows = 0, check = 0;
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            var meta = iterator.GetValueSpan();
            if (meta[32] != 2)
            {
                check += BinaryPrimitives.ReadInt64BigEndian(iterator.GetKeySpan()) + NodeId.Read(meta).Low.GetHashCode()
                    + BinaryPrimitives.ReadInt64BigEndian(meta[16..]) + (long)BinaryPrimitives.ReadUInt64BigEndian(meta[24..]);
                rows++;
            }
        }

        GC.KeepAlive(check);
        return rows;
    }

    public long FileBytes() => new DirectoryInfo(_directory).EnumerateFiles().Sum(f => f.Length);

    public void Dispose()
    {
        _db.Dispose();
    }
}
