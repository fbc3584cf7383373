using System.Text;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Benchmarks.Storage;

/// <summary>
/// Deterministic rows shaped like the node's: <see cref="EntryCodec"/> blobs of ~150–300 bytes (a 49-byte key, a small
/// JSON value, a 64-byte signature) from a few origins in round-robin, one in twenty an adopted record with a content key.
/// </summary>
internal sealed class StorageWorkload
{
    public const int Origins = 10;

    private readonly NodeId[] _origins;
    private readonly long[] _nextSeq = new long[Origins];
    private readonly Random _random = new(42);
    private readonly byte[] _signature = new byte[64];

    /// <summary>True: every row carries a content key (core's contract now: a hash of every entry); false: adopted rows only.</summary>
    public static bool ContentKeyOnEveryRow { get; set; }

    public StorageWorkload()
    {
        var seed = new Random(7);
        _origins = [.. Enumerable.Range(0, Origins).Select(_ => new NodeId((ulong)seed.NextInt64(), (ulong)seed.NextInt64()))];
        seed.NextBytes(_signature);
    }

    public IReadOnlyList<NodeId> OriginIds => _origins;

    /// <summary>Rows per origin so far (each origin's seqs are 1..this).</summary>
    public long SeqsPerOrigin(int origin) => _nextSeq[origin];

    public BenchRow Next(long position)
    {
        var originIndex = (int)(position % Origins);
        var origin = _origins[originIndex];
        var seq = ++_nextSeq[originIndex];
        var valueLength = _random.Next(4, 120);
        var value = new byte[valueLength];
        value.AsSpan().Fill((byte)'x');
        value[0] = (byte)'"';
        value[^1] = (byte)'"';
        var adopted = position % 20 == 7;
        var entry = new Entry
        {
            Origin = origin,
            Seq = seq,
            CreatedAtMs = 1_790_000_000_000 + position,
            Flags = adopted ? EntryTraits.Adopted : EntryTraits.None,
            Key = Entry.KeyFor(origin, seq),
            Value = value,
            Signature = _signature,
        };
        return new BenchRow(origin, seq, adopted || ContentKeyOnEveryRow ? ContentKeyOf(position) : 0, RowKind.Visible, EntryCodec.Encode(entry));
    }

    /// <summary>The content key the row at <paramref name="position"/> carries (if it is adopted): never zero.</summary>
    public static ulong ContentKeyOf(long position) => (ulong)position * 0x9E3779B97F4A7C15UL | 1;

    /// <summary>Batch sizes 1–256, log-uniform: the node commits whatever its loop produced since the last commit.</summary>
    public int NextBatchSize() => 1 << _random.Next(0, 9);

    public static string Describe() => new StringBuilder()
        .Append(Origins).Append(" origins round-robin, EntryCodec blobs 181–300 B (mean ~240 B), 5% adopted (content key), ")
        .Append("batch sizes 1, 2, 4, …, 256 uniformly (mean ~57 rows)").ToString();
}
