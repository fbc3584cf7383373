using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Tests.Storage;

/// <summary>Origins and entry blobs for the record log tests.</summary>
internal static class TestRows
{
    public static readonly NodeId Alice = new(0xa11ce, 1);
    public static readonly NodeId Bob = new(0xb0b, 2);

    public static byte[] Blob(NodeId origin, long seq, string value = "\"v\"") => EntryCodec.Encode(new Entry
    {
        Origin = origin,
        Seq = seq,
        CreatedAtMs = 1_790_000_000_000 + seq,
        Key = Entry.KeyFor(origin, seq),
        Value = System.Text.Encoding.UTF8.GetBytes(value),
        Signature = new byte[64],
    });

    /// <summary>An adopted record's content key: the only kind with the top bit set, and the only kind looked up.</summary>
    public static ulong Adopted(ulong key) => key | (1UL << 63);

    public static long Append(this IRecordLog log, NodeId origin, long seq, ulong contentKey = 0, RowKind kind = RowKind.Visible, string value = "\"v\"") =>
        log.Append(origin, seq, contentKey, kind, Blob(origin, seq, value));

    public static async Task WaitDurableAsync(this IRecordLog log, long position) =>
        await log.WaitDurableAsync(position, TestContext.Current.CancellationToken).AsTask().WaitAsync(Infrastructure.Timeouts.Request, TestContext.Current.CancellationToken);

    public static LogRow[] ReadAll(this IRecordLog log)
    {
        var rows = new LogRow[log.Length];
        Assert.Equal(rows.Length, log.Read(0, rows));
        return rows;
    }

    public static long[] FeedSeqs(this IRecordLog log, NodeId origin, long fromSeq, long toSeq, int max = 100)
    {
        var rows = new LogRow[max];
        var count = log.ReadFeed(origin, fromSeq, toSeq, rows);
        return [.. rows.Take(count).Select(r => r.Seq)];
    }
}
