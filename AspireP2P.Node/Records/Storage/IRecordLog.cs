using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Records.Storage;

/// <summary>How a stored row counts: a record readers see, a feed entry kept only to serve peers, or a retired one.</summary>
public enum RowKind : byte
{
    /// <summary>A record GET /records shows.</summary>
    Visible = 0,

    /// <summary>A feed entry whose record this node already shows under another entry (an adopted copy); kept for peers.</summary>
    Hidden = 1,

    /// <summary>Replaced by a winning entry for the same (origin, seq); reads skip it.</summary>
    Retired = 2,
}

/// <summary>
/// One row of the log. <see cref="Blob"/> is the entry as <see cref="EntryCodec"/> writes it; the other fields are
/// copies of what the engine indexes. <see cref="ContentKey"/> is a 64-bit hash of the entry's content
/// (<see cref="RecordStore.ContentKeyOf"/>): for an adopted record, of its key and value, so the same record adopted by
/// two nodes is recognised, with the top bit set; for a signed one, the start of its leaf hash, top bit clear. Only keys
/// with the top bit set are looked up (<see cref="IRecordLog.ContainsContent"/>), so an engine need index only those.
/// </summary>
public readonly record struct LogRow(long Position, NodeId Origin, long Seq, ulong ContentKey, RowKind Kind, byte[] Blob);

/// <summary>The log failed to write: a full disk, an I/O error. Nothing more is accepted until the node restarts.</summary>
public sealed class RecordLogFailedException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// The record log as an embedded storage engine keeps it: an append-only sequence of rows at dense positions
/// (0, 1, 2, …; a position never moves and is never reused), readable by position range and by (origin, seq),
/// larger than memory. One writer (the node's loop) appends; any thread reads.
/// <para>Durability: <see cref="Append"/> never blocks on I/O. A background writer makes rows durable in batches
/// (written to the operating system, so they survive kill -9; also fsynced when the store was opened with fsync, so
/// they survive power loss) and advances <see cref="DurableLength"/>. A write error is sticky: <see cref="Failure"/>
/// is set, every pending and later <see cref="WaitDurableAsync"/> throws <see cref="RecordLogFailedException"/>, and
/// <see cref="Append"/> throws it too. Nothing ever waits forever.</para>
/// </summary>
public interface IRecordLog : IAsyncDisposable
{
    /// <summary>The position the next row takes (rows ever appended, retired ones included).</summary>
    long Length { get; }

    /// <summary>Rows below this position are durable.</summary>
    long DurableLength { get; }

    /// <summary>Bytes of rows appended and not yet durable (held in memory until they are).</summary>
    long PendingBytes { get; }

    /// <summary>Null while healthy; the write failure once one happened.</summary>
    RecordLogFailedException? Failure { get; }

    /// <summary>Appends a row at <see cref="Length"/> and returns its position. Only the node's loop calls it.</summary>
    long Append(NodeId origin, long seq, ulong contentKey, RowKind kind, byte[] blob);

    /// <summary>Completes when <paramref name="position"/> is durable; throws <see cref="RecordLogFailedException"/> if the log failed first.</summary>
    ValueTask WaitDurableAsync(long position, CancellationToken cancellationToken);

    /// <summary>Marks a row retired (a losing entry for the same origin and seq); it stays at its position.</summary>
    void Retire(long position);

    /// <summary>Copies rows from <paramref name="position"/> on, retired ones included, into <paramref name="rows"/>; returns how many.</summary>
    int Read(long position, Span<LogRow> rows);

    /// <summary>Rows of one origin's feed with <paramref name="fromSeq"/> ≤ seq ≤ <paramref name="toSeq"/>, in seq order, not retired; returns how many.</summary>
    int ReadFeed(NodeId origin, long fromSeq, long toSeq, Span<LogRow> rows);

    /// <summary>The row holding (origin, seq) that is not retired, if any.</summary>
    bool TryGet(NodeId origin, long seq, out LogRow row);

    /// <summary>Whether a row that is not retired has this content key (adopted-record dedup).</summary>
    bool ContainsContent(ulong contentKey);

    /// <summary>Every row that is not retired, as (position, origin, seq, content key, kind), in position order: rebuilds the in-memory indexes at start.</summary>
    IEnumerable<(long Position, NodeId Origin, long Seq, ulong ContentKey, RowKind Kind)> Scan();

    /// <summary>Remembers an origin's public key (it travels with every entry of the origin's feed this node sends).</summary>
    void PutOriginKey(NodeId origin, byte[] publicKey);

    /// <summary>An origin's public key, if remembered. Keys live in the log, not in memory: a node may hold many feeds.</summary>
    bool TryGetOriginKey(NodeId origin, out byte[] publicKey);
}
