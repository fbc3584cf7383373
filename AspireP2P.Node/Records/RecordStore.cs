using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Node.Records;

public enum AppendOutcome
{
    /// <summary>New: stored at the end of the log.</summary>
    Added,

    /// <summary>Already held.</summary>
    Duplicate,

    /// <summary>New as a feed entry, but its record is already shown under another entry (the same record adopted by two nodes): kept for peers, hidden from readers.</summary>
    AddedHidden,

    /// <summary>The origin signed two entries for one seq and this one wins: the held one is retired, this one appended.</summary>
    Replaced,

    /// <summary>The origin signed two entries for one seq and the held one wins.</summary>
    ConflictLost,

    /// <summary>Not stored now: its feed already has too many gaps (it will be offered again once they fill).</summary>
    Deferred,

    /// <summary>Not stored: the record log has failed (see <see cref="RecordStore.Failure"/>).</summary>
    Failed,
}

public readonly record struct AppendResult(AppendOutcome Outcome, long Position)
{
    public bool Stored => Outcome is AppendOutcome.Added or AppendOutcome.AddedHidden or AppendOutcome.Replaced;
}

/// <summary>A log position as a reader sees it: the entry, how it counts, and (while recent) where it came from and its live frame.</summary>
public sealed class StoredEntry(Entry entry, long position, RowKind kind, long receivedFrom)
{
    public Entry Entry { get; } = entry;

    public long Position { get; } = position;

    public RowKind Kind { get; internal set; } = kind;

    /// <summary>The link this node received it on (0: published here, or read back from disk). Links never send it back there.</summary>
    public long ReceivedFrom { get; } = receivedFrom;

    /// <summary>The NEW_RECORD of its live broadcast (this node's hop, traceparent of its send span), shared by every link.</summary>
    public byte[]? LiveFrame { get; internal set; }
}

/// <summary>
/// The node's records: the append-only log (<see cref="IRecordLog"/>, on disk beyond a small tail kept in memory), the
/// feed index (which (origin, seq) are held: the de-duplication of gossip and the basis of anti-entropy) and the count of
/// visible records. One owner: every change happens under this store's lock, from whichever thread appends (link readers,
/// publishers); readers take the lock only to copy. Appending wakes the subscribers (links, the event stream).
/// </summary>
public sealed class RecordStore : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly IRecordLog _log;
    private readonly FeedIndex _feeds = new();
    private readonly StoredEntry?[] _tail;
    private readonly Dictionary<NodeId, byte[]> _publicKeys = [];
    private long _visible;
    private Action[] _subscribers = [];

    public RecordStore(IRecordLog log, int tailCapacity = 16_384)
    {
        _log = log;
        _tail = new StoredEntry?[Math.Max(64, tailCapacity)];
        foreach (var (_, origin, seq, contentKey, kind) in log.Scan())
        {
            _feeds.Add(origin, seq, contentKey);
            _visible += kind == RowKind.Visible ? 1 : 0;
        }

        foreach (var (origin, publicKey) in log.OriginKeys())
        {
            _publicKeys[origin] = publicKey;
        }
    }

    public IRecordLog Log => _log;

    /// <summary>Log length: the position the next entry takes.</summary>
    public long Length => _log.Length;

    public long DurableLength => _log.DurableLength;

    public RecordLogFailedException? Failure => _log.Failure;

    /// <summary>Records readers see (GET /records).</summary>
    public long Count
    {
        get { lock (_gate) { return _visible; } }
    }

    public FeedDigest Digest
    {
        get { lock (_gate) { return _feeds.Digest; } }
    }

    public int FeedCount
    {
        get { lock (_gate) { return _feeds.FeedCount; } }
    }

    /// <summary>Whether (origin, seq) is held; a cheap check before verifying a signature.</summary>
    public bool Contains(NodeId origin, long seq)
    {
        lock (_gate) { return _feeds.Contains(origin, seq); }
    }

    public long HighOf(NodeId origin)
    {
        lock (_gate) { return _feeds.High(origin); }
    }

    /// <summary>Whether an adopted record with this key and value is held (under any witness).</summary>
    public bool ContainsAdopted(string key, ReadOnlySpan<byte> value) => _log.ContainsContent(AdoptedKey(key, value));

    public List<FeedSummary> Summaries()
    {
        lock (_gate) { return _feeds.SummarizeAll(); }
    }

    /// <summary>
    /// The summaries of the feeds that changed after change number <paramref name="since"/> (0: all), the digest, and the
    /// change number they were taken at, together: a vector, or the delta of one.
    /// </summary>
    public (List<FeedSummary> Feeds, FeedDigest Digest, long Changes) SummariesSince(long since)
    {
        lock (_gate) { return (_feeds.SummarizeSince(since), _feeds.Digest, _feeds.Changes); }
    }

    /// <summary>What a peer holding <paramref name="theirs"/> lacks of what we hold, feed by feed, as seq ranges.</summary>
    public List<(NodeId Origin, long From, long To)> Missing(IReadOnlyDictionary<NodeId, FeedSummary> theirs)
    {
        lock (_gate) { return _feeds.Missing(theirs); }
    }

    /// <summary>The public key of an origin whose entries this node holds (it travels with each of them).</summary>
    public byte[] PublicKeyOf(NodeId origin)
    {
        lock (_gate) { return _publicKeys.GetValueOrDefault(origin) ?? []; }
    }

    /// <summary>Calls <paramref name="wake"/> after every append (outside the lock; it must not block). Returns the unsubscription.</summary>
    public IDisposable Subscribe(Action wake)
    {
        lock (_gate) { _subscribers = [.. _subscribers, wake]; }
        return new Unsubscriber(this, wake);
    }

    /// <summary>
    /// Records a verified adopted entry as held without storing it: a strict node's refusal of an unsigned record. Peers
    /// then stop offering it; it is not kept, so it is not served either (a strict node does not relay unsigned records).
    /// Not persisted: after a restart a peer offers it once more and it is refused once more.
    /// </summary>
    public void MarkRefused(NodeId origin, long seq, string key, ReadOnlySpan<byte> value)
    {
        lock (_gate)
        {
            _feeds.Add(origin, seq, AdoptedKey(key, value));
        }
    }

    /// <summary>
    /// Stores a verified entry unless held. <paramref name="liveFrame"/> encodes its live NEW_RECORD; it runs under the
    /// lock, so no link can read the entry before its frame exists. <paramref name="checkConflict"/> compares a held
    /// entry's content (catch-up copies, where an origin's double signing is looked for).
    /// </summary>
    public AppendResult Append(Entry entry, byte[] publicKey, long receivedFrom, Func<Entry, byte[]>? liveFrame = null, bool checkConflict = false)
    {
        var contentKey = ContentKeyOf(entry);
        AppendResult result;
        lock (_gate)
        {
            if (_log.Failure is not null)
            {
                return new AppendResult(AppendOutcome.Failed, -1);
            }

            if (_feeds.Contains(entry.Origin, entry.Seq))
            {
                if (!checkConflict)
                {
                    return new AppendResult(AppendOutcome.Duplicate, -1);
                }

                result = Resolve(entry, contentKey, receivedFrom, liveFrame);
            }
            else if (!_feeds.CanAdd(entry.Origin, entry.Seq))
            {
                return new AppendResult(AppendOutcome.Deferred, -1);
            }
            else
            {
                var kind = entry.IsAdopted && _log.ContainsContent(contentKey) ? RowKind.Hidden : RowKind.Visible;
                var position = AppendRow(entry, contentKey, kind, receivedFrom, liveFrame);
                if (position < 0)
                {
                    return new AppendResult(AppendOutcome.Failed, -1);
                }

                _feeds.Add(entry.Origin, entry.Seq, contentKey);
                RememberKey(entry.Origin, publicKey);
                result = new AppendResult(kind == RowKind.Hidden ? AppendOutcome.AddedHidden : AppendOutcome.Added, position);
            }
        }

        if (result.Position >= 0)
        {
            foreach (var wake in Volatile.Read(ref _subscribers))
            {
                wake();
            }
        }

        return result;
    }

    private void RememberKey(NodeId origin, byte[] publicKey)
    {
        if (publicKey.Length > 0 && _publicKeys.TryAdd(origin, publicKey))
        {
            _log.PutOriginKey(origin, publicKey);
        }
    }

    /// <summary>
    /// Two entries for one (origin, seq): the origin signed twice. The same rule on every node, from the two entries
    /// alone: the smaller leaf hash wins. Clocks and arrival order decide nothing.
    /// </summary>
    private AppendResult Resolve(Entry entry, ulong contentKey, long receivedFrom, Func<Entry, byte[]>? liveFrame)
    {
        if (!_log.TryGet(entry.Origin, entry.Seq, out var row) || row.ContentKey == contentKey)
        {
            return new AppendResult(AppendOutcome.Duplicate, -1);
        }

        var held = EntryCodec.Decode(row.Blob);
        if (LeafOrder(entry, held) >= 0)
        {
            return new AppendResult(AppendOutcome.ConflictLost, -1);
        }

        _log.Retire(row.Position);
        if (row.Kind == RowKind.Visible)
        {
            _visible--;
        }

        if (TailSlot(row.Position) is { } stale)
        {
            stale.Kind = RowKind.Retired;
        }

        var kind = entry.IsAdopted && _log.ContainsContent(contentKey) ? RowKind.Hidden : RowKind.Visible;
        var position = AppendRow(entry, contentKey, kind, receivedFrom, liveFrame);
        if (position < 0)
        {
            return new AppendResult(AppendOutcome.Failed, -1);
        }

        _feeds.Replace(entry.Origin, entry.Seq, row.ContentKey, contentKey);
        return new AppendResult(AppendOutcome.Replaced, position);
    }

    private long AppendRow(Entry entry, ulong contentKey, RowKind kind, long receivedFrom, Func<Entry, byte[]>? liveFrame)
    {
        long position;
        try
        {
            position = _log.Append(entry.Origin, entry.Seq, contentKey, kind, EntryCodec.Encode(entry));
        }
        catch (RecordLogFailedException)
        {
            return -1;
        }

        var stored = new StoredEntry(entry, position, kind, receivedFrom);
        if (liveFrame is not null && kind != RowKind.Retired)
        {
            stored.LiveFrame = liveFrame(entry);
        }

        _tail[position % _tail.Length] = stored;
        if (kind == RowKind.Visible)
        {
            _visible++;
        }

        return position;
    }

    private StoredEntry? TailSlot(long position)
    {
        var slot = _tail[position % _tail.Length];
        return slot?.Position == position ? slot : null;
    }

    public ValueTask WaitDurableAsync(long position, CancellationToken cancellationToken) => _log.WaitDurableAsync(position, cancellationToken);

    /// <summary>Copies the log from <paramref name="position"/> on (retired positions included) into <paramref name="buffer"/>; returns how many.</summary>
    public int Read(long position, Span<StoredEntry?> buffer)
    {
        int count;
        var fromDisk = 0;
        lock (_gate)
        {
            // Under the lock: every position counted here already has its tail slot (and live frame) in place.
            count = (int)Math.Clamp(_log.Length - position, 0, buffer.Length);
            for (var i = 0; i < count; i++)
            {
                var slot = TailSlot(position + i);
                if (slot is null)
                {
                    fromDisk = i + 1;
                }

                buffer[i] = slot;
            }
        }

        if (fromDisk > 0)
        {
            // Older than the tail: read back from the log (without where each came from, or a live frame).
            var rows = new LogRow[fromDisk];
            var read = _log.Read(position, rows);
            for (var i = 0; i < read; i++)
            {
                buffer[i] ??= new StoredEntry(EntryCodec.Decode(rows[i].Blob), rows[i].Position, rows[i].Kind, 0);
            }
        }

        return count;
    }

    /// <summary>Held entries of one feed with seq in [from, to], in seq order, at most <paramref name="max"/>, with their log positions.</summary>
    public List<(long Position, Entry Entry)> ReadFeed(NodeId origin, long from, long to, int max)
    {
        var rows = new LogRow[Math.Clamp(max, 1, 4096)];
        var read = _log.ReadFeed(origin, from, to, rows);
        var entries = new List<(long, Entry)>(read);
        for (var i = 0; i < read; i++)
        {
            entries.Add((rows[i].Position, TailEntry(rows[i].Position) ?? EntryCodec.Decode(rows[i].Blob)));
        }

        return entries;
    }

    private Entry? TailEntry(long position)
    {
        lock (_gate) { return TailSlot(position)?.Entry; }
    }

    /// <summary>
    /// The values of the visible records from log position <paramref name="position"/> on, in log order, as raw JSON:
    /// GET /records writes them as they are. Reads in chunks; never holds the lock while the caller works.
    /// </summary>
    public IEnumerable<(long Position, StoredEntry Item)> Visible(long position = 0)
    {
        var chunk = new StoredEntry?[512];
        while (true)
        {
            var read = Read(position, chunk);
            if (read == 0)
            {
                yield break;
            }

            for (var i = 0; i < read; i++)
            {
                if (chunk[i] is { Kind: RowKind.Visible } item)
                {
                    yield return (position + i, item);
                }
            }

            position += read;
        }
    }

    /// <summary>
    /// The values (raw JSON) of the visible records, in log order, read in chunks: recent ones from the tail, older ones
    /// straight out of the log's rows without decoding the entries (GET /records streams a million of them this way).
    /// </summary>
    public IEnumerable<ReadOnlyMemory<byte>> VisibleValues()
    {
        var rows = new LogRow[1024];
        var position = 0L;
        while (true)
        {
            var read = _log.Read(position, rows);
            if (read == 0)
            {
                yield break;
            }

            for (var i = 0; i < read; i++)
            {
                if (rows[i].Kind == RowKind.Visible)
                {
                    yield return EntryCodec.ValueMemory(rows[i].Blob);
                }

                rows[i] = default;
            }

            position += read;
        }
    }

    /// <summary>
    /// The 64-bit content key kept with every row: for an adopted record, of its key and value (so the same record adopted
    /// under two witnesses' feeds is recognised as one); for a signed record, the start of its leaf hash.
    /// </summary>
    public static ulong ContentKeyOf(Entry entry)
    {
        if (entry.IsAdopted)
        {
            return AdoptedKey(entry.Key, entry.Value);
        }

        // Top bit clear: only adopted records' keys (top bit set) are looked up, so the log indexes only those.
        return BinaryPrimitives.ReadUInt64BigEndian(Trust.EntrySignature.LeafHash(entry)) & ~AdoptedBit;
    }

    /// <summary>Set in adopted records' content keys and only in theirs.</summary>
    private const ulong AdoptedBit = 1UL << 63;

    private static ulong AdoptedKey(string key, ReadOnlySpan<byte> value)
    {
        // SHA-256, not a fast hash: nobody may craft a record that passes for another one not yet seen.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("aspirep2p/adopted/v1\n"u8);
        hash.AppendData(Encoding.UTF8.GetBytes(key));
        hash.AppendData([0]);
        hash.AppendData(value);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return BinaryPrimitives.ReadUInt64BigEndian(digest) | AdoptedBit;
    }

    private static int LeafOrder(Entry left, Entry right) =>
        Trust.EntrySignature.LeafHash(left).AsSpan().SequenceCompareTo(Trust.EntrySignature.LeafHash(right));

    public ValueTask DisposeAsync() => _log.DisposeAsync();

    private sealed class Unsubscriber(RecordStore store, Action wake) : IDisposable
    {
        public void Dispose()
        {
            lock (store._gate) { store._subscribers = [.. store._subscribers.Where(w => w != wake)]; }
        }
    }
}
