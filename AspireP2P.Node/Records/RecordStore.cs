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

/// <summary>A log position as a reader sees it: the entry and how it counts.</summary>
public sealed class StoredEntry(Entry entry, long position, RowKind kind)
{
    public Entry Entry { get; } = entry;

    public long Position { get; } = position;

    public RowKind Kind { get; } = kind;
}

/// <summary>
/// The node's records: the append-only log (<see cref="IRecordLog"/>, on disk), the feed index (which (origin, seq) are
/// held: the de-duplication of gossip and the basis of anti-entropy) and the count of visible records. It knows nothing
/// of links or the wire: whoever follows the log (the mesh's relay) is an <see cref="IRecordObserver"/>, and appenders
/// pass it an opaque context. One owner: every change happens under this store's lock, from whichever thread appends
/// (link readers, the publisher); the lock never covers a read from disk (the two cases that need one, an adopted record
/// and a conflict, read first under a lock of their own). Appending wakes the subscribers (links, the event stream).
/// </summary>
public sealed class RecordStore : IAsyncDisposable
{
    /// <summary>Origins' public keys kept in memory at most; the rest are read from the log when a link needs one.</summary>
    private const int KeyCacheSize = 4096;

    private readonly Lock _gate = new();
    private readonly Lock _slowPath = new();
    private readonly IRecordLog _log;
    private readonly FeedIndex _feeds = new();
    private readonly BoundedCache<NodeId, byte[]> _keys = new(KeyCacheSize);
    private readonly Action<string, Exception> _reportFault;
    private IRecordObserver? _observer;
    private long _visible;
    private Action[] _subscribers = [];

    /// <param name="reportFault">Told of a subscriber or observer that threw, or a read that failed (the store goes on).</param>
    public RecordStore(IRecordLog log, Action<string, Exception>? reportFault = null)
    {
        _log = log;
        _reportFault = reportFault ?? ((_, _) => { });
        foreach (var (_, origin, seq, contentKey, kind) in log.Scan())
        {
            _feeds.Add(origin, seq, contentKey);
            _feeds.MarkKeyStored(origin);
            _visible += kind == RowKind.Visible ? 1 : 0;
        }
    }

    public IRecordLog Log => _log;

    /// <summary>Log length: the position the next entry takes.</summary>
    public long Length => _log.Length;

    public long DurableLength => _log.DurableLength;

    public RecordLogFailedException? Failure => _log.Failure;

    /// <summary>Sets the one follower of the log (the relay); it sees every entry appended from now on.</summary>
    public void Observe(IRecordObserver observer)
    {
        lock (_gate) { _observer = observer; }
    }

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

    /// <summary>Whether this node holds (or has refused) anything of the origin's feed.</summary>
    public bool HasFeed(NodeId origin)
    {
        lock (_gate) { return _feeds.High(origin) > 0; }
    }

    public long HighOf(NodeId origin)
    {
        lock (_gate) { return _feeds.High(origin); }
    }

    /// <summary>Whether an adopted record with this key and value is held (under any witness).</summary>
    public bool ContainsAdopted(string key, ReadOnlySpan<byte> value) => _log.ContainsContent(AdoptedKey(key, value));

    /// <summary>
    /// The summaries of the feeds that changed after change number <paramref name="since"/> (0: all), the digest, and the
    /// change number they were taken at, together: a vector, or the delta of one.
    /// </summary>
    public (List<FeedSummary> Feeds, FeedDigest Digest, long Changes) SummariesSince(long since)
    {
        lock (_gate) { return (_feeds.SummarizeSince(since), _feeds.Digest, _feeds.Changes); }
    }

    /// <summary>What a peer holding <paramref name="theirs"/> lacks of what we hold, feed by feed, as seq ranges.</summary>
    public List<(NodeId Origin, long From, long To)> Missing(IReadOnlyDictionary<NodeId, FeedView> theirs)
    {
        lock (_gate) { return _feeds.Missing(theirs); }
    }

    /// <summary>The public key of an origin whose entries this node holds (it travels with each of them): from a small cache, else the log.</summary>
    public byte[] PublicKeyOf(NodeId origin)
    {
        if (_keys.TryGet(origin, out var key))
        {
            return key;
        }

        if (!_log.TryGetOriginKey(origin, out key))
        {
            return [];
        }

        _keys.Set(origin, key);
        return key;
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
    /// Stores a verified entry unless held. <paramref name="context"/> goes to the log's follower with it (the mesh says
    /// which link it came on and how to relay it). <paramref name="checkConflict"/> compares a held entry's content
    /// (catch-up copies, where an origin's double signing is looked for).
    /// </summary>
    public AppendResult Append(Entry entry, byte[] publicKey, object? context = null, bool checkConflict = false)
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
            }
            else if (!_feeds.CanAdd(entry.Origin, entry.Seq))
            {
                return new AppendResult(AppendOutcome.Deferred, -1);
            }
        }

        result = checkConflict || entry.IsAdopted
            ? AppendSlowly(entry, contentKey, publicKey, context, checkConflict)
            : AppendNew(entry, contentKey, RowKind.Visible, publicKey, context, replacing: null);
        if (result.Position >= 0)
        {
            Wake();
        }

        return result;
    }

    /// <summary>
    /// Appends an entry the feed index lacks (checked again under the lock: another thread may have won), or one that
    /// replaces the held entry of its (origin, seq), already retired in the log.
    /// </summary>
    private AppendResult AppendNew(Entry entry, ulong contentKey, RowKind kind, byte[] publicKey, object? context, (long Position, ulong ContentKey)? replacing)
    {
        lock (_gate)
        {
            if (_log.Failure is not null)
            {
                return new AppendResult(AppendOutcome.Failed, -1);
            }

            if (replacing is null && _feeds.Contains(entry.Origin, entry.Seq))
            {
                return new AppendResult(AppendOutcome.Duplicate, -1);
            }

            if (replacing is null && !_feeds.CanAdd(entry.Origin, entry.Seq))
            {
                return new AppendResult(AppendOutcome.Deferred, -1);
            }

            long position;
            try
            {
                position = _log.Append(entry.Origin, entry.Seq, contentKey, kind, EntryCodec.Encode(entry));
                if (publicKey.Length > 0 && !_feeds.KeyStored(entry.Origin))
                {
                    // Once per feed: the key travels with every entry of it this node sends, read back from the log.
                    _log.PutOriginKey(entry.Origin, publicKey);
                }
            }
            catch (Exception ex) when (ex is RecordLogFailedException or ObjectDisposedException)
            {
                return new AppendResult(AppendOutcome.Failed, -1);
            }

            if (replacing is { } retired)
            {
                _feeds.Replace(entry.Origin, entry.Seq, retired.ContentKey, contentKey);
                Notify(observer => observer.Retired(retired.Position));
            }
            else
            {
                _feeds.Add(entry.Origin, entry.Seq, contentKey);
            }

            if (publicKey.Length > 0)
            {
                _feeds.MarkKeyStored(entry.Origin);
            }

            _visible += kind == RowKind.Visible ? 1 : 0;
            Notify(observer => observer.Appended(position, entry, kind, context));
            return new AppendResult(replacing is not null ? AppendOutcome.Replaced : kind == RowKind.Hidden ? AppendOutcome.AddedHidden : AppendOutcome.Added, position);
        }
    }

    /// <summary>
    /// The two appends that must read the log first: an adopted record (is the same record already shown under another
    /// witness?) and a catch-up copy of a held entry (did its origin sign two?). The reads happen under a lock of their
    /// own, not the store's, so everything else goes on; these appends are rare, and one at a time.
    /// </summary>
    private AppendResult AppendSlowly(Entry entry, ulong contentKey, byte[] publicKey, object? context, bool checkConflict)
    {
        lock (_slowPath)
        {
            try
            {
                bool held;
                lock (_gate) { held = _feeds.Contains(entry.Origin, entry.Seq); }
                if (!held)
                {
                    var kind = entry.IsAdopted && _log.ContainsContent(contentKey) ? RowKind.Hidden : RowKind.Visible;
                    return AppendNew(entry, contentKey, kind, publicKey, context, replacing: null);
                }

                if (!checkConflict)
                {
                    return new AppendResult(AppendOutcome.Duplicate, -1);
                }

                return Resolve(entry, contentKey, publicKey, context);
            }
            catch (Exception ex) when (ex is not RecordLogFailedException)
            {
                // A read from the log failed (the disk, or a store closing): not stored now; anti-entropy offers it again.
                _reportFault("record store read", ex);
                return new AppendResult(_log.Failure is null ? AppendOutcome.Deferred : AppendOutcome.Failed, -1);
            }
            catch (RecordLogFailedException)
            {
                return new AppendResult(AppendOutcome.Failed, -1);
            }
        }
    }

    /// <summary>
    /// Two entries for one (origin, seq): the origin signed twice. The same rule on every node, from the two entries
    /// alone: the smaller leaf hash wins. Clocks and arrival order decide nothing. Caller holds the slow path's lock.
    /// </summary>
    private AppendResult Resolve(Entry entry, ulong contentKey, byte[] publicKey, object? context)
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

        var kind = entry.IsAdopted && _log.ContainsContent(contentKey) ? RowKind.Hidden : RowKind.Visible;
        _log.Retire(row.Position);
        if (row.Kind == RowKind.Visible)
        {
            lock (_gate) { _visible--; }
        }

        return AppendNew(entry, contentKey, kind, publicKey, context, replacing: (row.Position, row.ContentKey));
    }

    private void Notify(Action<IRecordObserver> tell)
    {
        if (_observer is not { } observer)
        {
            return;
        }

        try
        {
            tell(observer);
        }
        catch (Exception ex)
        {
            _reportFault("record store follower", ex);
        }
    }

    private void Wake()
    {
        foreach (var wake in Volatile.Read(ref _subscribers))
        {
            try
            {
                wake();
            }
            catch (Exception ex)
            {
                // One subscriber's bug must not fail the append (the entry is stored) nor starve the other subscribers.
                _reportFault("record store subscriber", ex);
            }
        }
    }

    public ValueTask WaitDurableAsync(long position, CancellationToken cancellationToken) => _log.WaitDurableAsync(position, cancellationToken);

    /// <summary>Copies the log from <paramref name="position"/> on (retired positions included) into <paramref name="buffer"/>; returns how many.</summary>
    public int Read(long position, Span<StoredEntry?> buffer)
    {
        var rows = new LogRow[buffer.Length];
        var read = _log.Read(position, rows);
        for (var i = 0; i < read; i++)
        {
            buffer[i] = new StoredEntry(EntryCodec.Decode(rows[i].Blob), rows[i].Position, rows[i].Kind);
        }

        return read;
    }

    /// <summary>Held entries of one feed with seq in [from, to], in seq order, at most <paramref name="max"/>, with their log positions.</summary>
    public List<(long Position, Entry Entry)> ReadFeed(NodeId origin, long from, long to, int max)
    {
        var rows = new LogRow[Math.Clamp(max, 1, 4096)];
        var read = _log.ReadFeed(origin, from, to, rows);
        var entries = new List<(long, Entry)>(read);
        for (var i = 0; i < read; i++)
        {
            entries.Add((rows[i].Position, EntryCodec.Decode(rows[i].Blob)));
        }

        return entries;
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
        return BinaryPrimitives.ReadUInt64BigEndian(entry.Leaf) & ~AdoptedBit;
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

    private static int LeafOrder(Entry left, Entry right) => left.Leaf.AsSpan().SequenceCompareTo(right.Leaf);

    public ValueTask DisposeAsync() => _log.DisposeAsync();

    private sealed class Unsubscriber(RecordStore store, Action wake) : IDisposable
    {
        public void Dispose()
        {
            lock (store._gate) { store._subscribers = [.. store._subscribers.Where(w => w != wake)]; }
        }
    }
}
