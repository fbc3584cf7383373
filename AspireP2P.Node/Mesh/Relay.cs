using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// The mesh's side of the record log: it follows the log (<see cref="IRecordObserver"/>) and keeps in memory the newest
/// entries some link has yet to send, with where each came from and its frame (encoded once, shared by every link),
/// within a byte budget (<see cref="Hosting.NodeOptions.TailBytes"/>); an entry every link has sent is let go at once, so
/// an idle node keeps nothing here. Each link's writer reads the log through it from its own cursor
/// (<see cref="Follow"/>), so nothing queues per peer; what has left the window is read back from disk. It also answers,
/// per link and entry, what to send (<see cref="Decide"/>). Thread-safe: the store tells it of appends under its lock,
/// links read from theirs.
/// </summary>
public sealed class Relay(RecordStore store, long budgetBytes) : IRecordObserver
{
    /// <summary>The most entries the window holds, however small they are.</summary>
    internal const int MaxItems = 16_384;

    private readonly Lock _gate = new();
    private readonly RelayItem?[] _ring = new RelayItem?[MaxItems];
    private readonly Dictionary<long, long> _cursors = [];
    private long _start;
    private long _end = store.Length;
    private long _bytes;

    /// <summary>The position after the last entry the relay has been told of: links read up to here.</summary>
    public long End => Interlocked.Read(ref _end);

    /// <summary>Bytes the window holds now (entries and frames).</summary>
    public long Bytes
    {
        get { lock (_gate) { return _bytes; } }
    }

    public long BudgetBytes => budgetBytes;

    public void Appended(long position, Entry entry, RowKind kind, object? context)
    {
        var item = new RelayItem(position, entry, kind, context as RelayContext);
        lock (_gate)
        {
            if (position != _end)
            {
                // A position the relay was not told of (a follower that threw): what is before it is read from disk.
                Array.Clear(_ring);
                _bytes = 0;
                _start = position;
            }

            _ring[position % MaxItems] = item;
            item.Counted = item.Bytes;
            _bytes += item.Counted;
            Interlocked.Exchange(ref _end, position + 1);
            Evict();
        }
    }

    /// <summary>Link <paramref name="link"/> will read from <paramref name="cursor"/> on: what is below every link's cursor is let go.</summary>
    public void Follow(long link, long cursor)
    {
        lock (_gate)
        {
            _cursors[link] = cursor;
            Evict();
        }
    }

    /// <summary>The link has ended: it no longer holds anything in the window.</summary>
    public void Unfollow(long link)
    {
        lock (_gate)
        {
            _cursors.Remove(link);
            Evict();
        }
    }

    public void Retired(long position)
    {
        lock (_gate)
        {
            if (position >= _start && position < _end)
            {
                _ring[position % MaxItems]?.Retire();
            }
        }
    }

    /// <summary>
    /// Copies the log from <paramref name="position"/> on, up to <see cref="End"/>, into <paramref name="buffer"/>; entries
    /// that have left the window are read back from disk. Returns how many.
    /// </summary>
    public int Read(long position, Span<RelayItem?> buffer)
    {
        int count;
        var missingFrom = -1;
        var missingTo = -1;
        lock (_gate)
        {
            count = (int)Math.Clamp(_end - position, 0, buffer.Length);
            for (var i = 0; i < count; i++)
            {
                var at = position + i;
                var item = at >= _start ? _ring[at % MaxItems] : null;
                buffer[i] = item;
                if (item is null)
                {
                    missingFrom = missingFrom < 0 ? i : missingFrom;
                    missingTo = i;
                }
            }
        }

        if (missingFrom >= 0)
        {
            var read = new StoredEntry?[missingTo - missingFrom + 1];
            var got = store.Read(position + missingFrom, read);
            for (var i = 0; i < got; i++)
            {
                if (read[i] is { } stored)
                {
                    buffer[missingFrom + i] ??= new RelayItem(stored.Position, stored.Entry, stored.Kind, context: null);
                }
            }

            // Anything the log could not give (it never happens while the log is sound) ends the read before it.
            for (var i = missingFrom; i < count; i++)
            {
                if (buffer[i] is null)
                {
                    return i;
                }
            }
        }

        return count;
    }

    /// <summary>Whether <paramref name="item"/> goes to <paramref name="link"/> (flooding: to every link that carries records out but the one it came on).</summary>
    public static RelayDecision Decide(Link link, RelayItem item) => item.Kind switch
    {
        RowKind.Retired => RelayDecision.Skip,
        // A tutorial node sees records, not feed entries: a record adopted twice is one record.
        RowKind.Hidden when link.Kind == LinkKind.TutorialSend => RelayDecision.Skip,
        _ when item.FromLink != 0 && item.FromLink == link.Id => RelayDecision.Skip,
        _ => RelayDecision.SendFull,
    };

    /// <summary>The frame of <paramref name="item"/>: the live NEW_RECORD of this node's hop (made once, kept while the item is in the window).</summary>
    public byte[] FrameOf(RelayItem item)
    {
        if (item.Frame is { } frame)
        {
            return frame;
        }

        var context = item.Context;
        var entry = item.Entry;
        frame = context is null
            ? MessageCodec.EncodeRecord(entry, store.PublicKeyOf(entry.Origin), entry.Hops + 1, null, null, sync: true)
            : MessageCodec.EncodeRecord(entry, context.PublicKey, context.Hops + 1, context.Traceparent, context.Tracestate, context.Sync);
        if (context is null)
        {
            // Read back from disk: not in the window, not kept.
            return frame;
        }

        if (item.TrySetFrame(frame))
        {
            lock (_gate)
            {
                if (item.Position >= _start && item.Position < _end && _ring[item.Position % MaxItems] == item)
                {
                    item.Counted += frame.Length;
                    _bytes += frame.Length;
                    Evict();
                }
            }
        }

        return item.Frame!;
    }

    /// <summary>Drops the oldest entries every link has sent, and more while the window is over its budget (caller holds the lock).</summary>
    private void Evict()
    {
        var floor = _end;
        foreach (var cursor in _cursors.Values)
        {
            floor = Math.Min(floor, cursor);
        }

        while (_start < _end && (_start < floor || _bytes > budgetBytes || _end - _start > MaxItems))
        {
            var slot = _start % MaxItems;
            if (_ring[slot] is { } old)
            {
                _bytes -= old.Counted;
                _ring[slot] = null;
            }

            _start++;
        }
    }
}
