using System.Buffers.Binary;
using AspireP2P.Node.Identity;
using FASTER.core;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>
/// FASTER's FasterLog: a persistent append-only log with a bounded in-memory tail and iterators by address. Entries
/// are origin·seq·ckey·kind·blob. A log address is a byte offset, not a dense position, so this candidate keeps a
/// position → address table in memory (8 B per row: 80 MB at 10 million rows), and it has no secondary index: the
/// feed and content queries would need a FasterKV store beside it (not measured).
/// </summary>
internal sealed class FasterLogCandidate : IStorageCandidate
{
    private const int MetaLength = NodeId.ByteLength + 8 + 8 + 1;

    private readonly string _directory;
    private readonly IDevice _device;
    private readonly FasterLog _log;
    private readonly List<long> _addresses = [];

    public FasterLogCandidate(string directory, long memoryBudgetBytes)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        _device = Devices.CreateLogDevice(Path.Combine(directory, "records.log"), preallocateFile: false, deleteOnClose: false);
        var memoryBits = Math.Max(16, (int)Math.Log2(memoryBudgetBytes));
        _log = new FasterLog(new FasterLogSettings
        {
            LogDevice = _device,
            LogCommitDir = Path.Combine(directory, "commits"),
            PageSizeBits = Math.Min(22, memoryBits - 2),
            MemorySizeBits = memoryBits,
            SegmentSizeBits = 30,
        });
    }

    public bool HasIndexes => false;

    public void Append(ReadOnlySpan<BenchRow> batch, bool fsync)
    {
        foreach (var row in batch)
        {
            var value = new byte[MetaLength + row.Blob.Length];
            row.Origin.Write(value);
            BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(16), row.Seq);
            BinaryPrimitives.WriteUInt64BigEndian(value.AsSpan(24), row.ContentKey);
            value[32] = (byte)row.Kind;
            row.Blob.CopyTo(value.AsSpan(MetaLength));
            _addresses.Add(_log.Enqueue(value));
        }

        _log.Commit(spinWait: true);
    }

    public long ReadRange(long position, int count)
    {
        var end = position + count < _addresses.Count ? _addresses[(int)(position + count)] : _log.TailAddress;
        using var iterator = _log.Scan(_addresses[(int)position], end);
        long bytes = 0;
        while (iterator.GetNext(out var entry, out _, out _))
        {
            bytes += entry.AsSpan(MetaLength).ToArray().Length;
        }

        return bytes;
    }

    public int ReadFeed(NodeId origin, long fromSeq, long toSeq) => 0;

    public bool TryGet(NodeId origin, long seq) => false;

    public bool ContainsContent(ulong contentKey) => false;

    public long Scan()
    {
        _addresses.Clear();
        using var iterator = _log.Scan(_log.BeginAddress, _log.TailAddress);
        long rows = 0, check = 0;
        while (iterator.GetNext(out var entry, out _, out var address))
        {
            _addresses.Add(address);
            var meta = entry.AsSpan();
            if (meta[32] != 2)
            {
                check += NodeId.Read(meta).Low.GetHashCode() + BinaryPrimitives.ReadInt64BigEndian(meta[16..]) + (long)BinaryPrimitives.ReadUInt64BigEndian(meta[24..]);
                rows++;
            }
        }

        GC.KeepAlive(check);
        return rows;
    }

    public long FileBytes() => new DirectoryInfo(_directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    public void Dispose()
    {
        _log.Dispose();
        _device.Dispose();
    }
}
