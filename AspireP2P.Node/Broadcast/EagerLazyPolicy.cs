using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Broadcast;

/// <summary>
/// Plumtree's eager/lazy push (Leitão, Pereira, Rodrigues, "Epidemic Broadcast Trees", SRDS 2007), with a tree per
/// origin: each link is eager or lazy for each origin. A record goes in full on the links eager for its origin and is only
/// announced (IHAVE, batched per link) on the lazy ones. A link starts eager for every origin, so an origin's first
/// record floods; every duplicate it causes turns the link it came on lazy (PRUNE, both ends), and what is left eager is
/// the tree of first arrivals: the fastest paths from that origin, so the last delivery is as early as flooding's. A
/// record announced and not received within <see cref="BroadcastOptions.GraftTimeout"/> is asked for (GRAFT), which makes
/// that link eager again: the tree repairs itself where a link failed. Links to tutorial nodes are always eager.
/// <para>Memory: a link-slot bitmask per origin that has ever pruned (8 bytes), and the records announced and missing
/// (bounded). Pure: no I/O, no tasks; time from the injected <see cref="TimeProvider"/>. One owner (the mesh loop).</para>
/// </summary>
public sealed class EagerLazyPolicy
{
    private const int MaxSlots = 64;

    private readonly BroadcastOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<RecordId, bool> _holds;
    private readonly Dictionary<long, int> _slots = [];
    private readonly long[] _linkOf = new long[MaxSlots];
    private ulong _used;
    private ulong _announcing;
    private readonly Dictionary<NodeId, ulong> _lazy = [];
    private readonly Dictionary<RecordId, Missing> _missing = [];
    private readonly Queue<RecordId> _missingOrder = new();
    private readonly Dictionary<long, SortedDictionary<NodeId, List<(long From, long To)>>> _announce = [];

    /// <param name="holds">Whether this node holds a record (the store's feed index).</param>
    public EagerLazyPolicy(BroadcastOptions options, TimeProvider time, Func<RecordId, bool> holds)
    {
        _options = options;
        _time = time;
        _holds = holds;
    }

    public Queue<BroadcastAction> Actions { get; } = new();

    /// <summary>Records announced and not received that are being waited for.</summary>
    public int MissingCount => _missing.Count;

    /// <summary>A link is up. <paramref name="lazyCapable"/>: one of our nodes (a tutorial node only understands records in full).</summary>
    public void LinkUp(long link, bool lazyCapable)
    {
        if (_slots.ContainsKey(link) || _used == ulong.MaxValue)
        {
            return;
        }

        var slot = System.Numerics.BitOperations.TrailingZeroCount(~_used);
        _slots[link] = slot;
        _linkOf[slot] = link;
        _used |= 1UL << slot;
        if (lazyCapable)
        {
            _announcing |= 1UL << slot;
        }

        // A new link starts eager for every origin.
        var bit = 1UL << slot;
        foreach (var origin in _lazy.Keys.ToList())
        {
            _lazy[origin] &= ~bit;
        }
    }

    public void LinkDown(long link)
    {
        if (!_slots.Remove(link, out var slot))
        {
            return;
        }

        var bit = 1UL << slot;
        _used &= ~bit;
        _announcing &= ~bit;
        _announce.Remove(link);
        foreach (var missing in _missing.Values)
        {
            missing.Announcers.Remove(link);
        }
    }

    /// <summary>Whether a record of <paramref name="origin"/> goes in full on this link (else it is announced).</summary>
    public bool IsEager(long link, NodeId origin) =>
        !_slots.TryGetValue(link, out var slot) || (_announcing & (1UL << slot)) == 0 || (_lazy.GetValueOrDefault(origin) & (1UL << slot)) == 0;

    /// <summary>
    /// A record arrived (<paramref name="from"/>: the link; null: published here, or repaired by reconciliation), new to
    /// this node or not. New: the links to send it to in full are returned, and it is queued for announcement on the
    /// lazy ones. A duplicate on a link: that link turns lazy for the origin, and the sender is told (PRUNE).
    /// </summary>
    public IReadOnlyList<long> Received(long? from, RecordId id, bool isNew)
    {
        if (!isNew)
        {
            if (from is { } link && _slots.TryGetValue(link, out var slot) && (_announcing & (1UL << slot)) != 0
                && (_lazy.GetValueOrDefault(id.Origin) & (1UL << slot)) == 0)
            {
                _lazy[id.Origin] = _lazy.GetValueOrDefault(id.Origin) | (1UL << slot);
                Actions.Enqueue(new SendPrune(link, new PruneMessage([id.Origin])));
            }

            return [];
        }

        _missing.Remove(id);
        var eager = new List<long>();
        foreach (var (link, slot) in _slots)
        {
            if (link == from)
            {
                continue;
            }

            if (IsEager(link, id.Origin))
            {
                eager.Add(link);
            }
            else
            {
                Queue(link, id);
            }
        }

        return eager;
    }

    /// <summary>The peer has these records: follow those this node lacks, to GRAFT them if they do not come in time.</summary>
    public void ReceiveIHave(long from, IHaveMessage message)
    {
        if (!_slots.ContainsKey(from))
        {
            return;
        }

        var now = _time.GetUtcNow();
        foreach (var (origin, ranges) in message.Records)
        {
            foreach (var (start, end) in ranges)
            {
                if (end - start >= _options.MaxAnnouncedRange)
                {
                    continue;
                }

                for (var seq = start; seq <= end; seq++)
                {
                    var id = new RecordId(origin, seq);
                    if (_holds(id))
                    {
                        continue;
                    }

                    if (!_missing.TryGetValue(id, out var missing))
                    {
                        if (_missing.Count >= _options.MaxMissing && !EvictOldest())
                        {
                            return;
                        }

                        _missing[id] = missing = new Missing(now + _options.GraftTimeout);
                        _missingOrder.Enqueue(id);
                    }

                    if (!missing.Announcers.Contains(from))
                    {
                        missing.Announcers.Add(from);
                    }
                }
            }
        }
    }

    /// <summary>The peer asks for records: the link turns eager for their origins and they are sent.</summary>
    public void ReceiveGraft(long from, GraftMessage message)
    {
        if (!_slots.TryGetValue(from, out var slot))
        {
            return;
        }

        foreach (var wanted in message.Records)
        {
            if (_lazy.TryGetValue(wanted.Origin, out var mask))
            {
                _lazy[wanted.Origin] = mask & ~(1UL << slot);
            }
        }

        Actions.Enqueue(new SendRecords(from, message.Records));
    }

    public void ReceivePrune(long from, PruneMessage message)
    {
        if (!_slots.TryGetValue(from, out var slot) || (_announcing & (1UL << slot)) == 0)
        {
            return;
        }

        foreach (var origin in message.Origins)
        {
            _lazy[origin] = _lazy.GetValueOrDefault(origin) | (1UL << slot);
        }
    }

    /// <summary>Sends the batched announcements, and GRAFTs for records announced and overdue (each time to the next announcer).</summary>
    public void Tick()
    {
        foreach (var (link, byOrigin) in _announce)
        {
            Actions.Enqueue(new SendIHave(link, new IHaveMessage([.. byOrigin.Select(o => new OriginSeqs(o.Key, o.Value))])));
        }

        _announce.Clear();
        var now = _time.GetUtcNow();
        Dictionary<long, Dictionary<NodeId, List<(long, long)>>>? grafts = null;
        foreach (var (id, missing) in _missing)
        {
            if (missing.Due > now)
            {
                continue;
            }

            if (_holds(id) || missing.Announcers.Count == 0)
            {
                missing.Due = DateTimeOffset.MaxValue;
                continue;
            }

            var link = missing.Announcers[0];
            missing.Announcers.RemoveAt(0);
            missing.Due = now + _options.RegraftTimeout;
            grafts ??= [];
            if (!grafts.TryGetValue(link, out var byOrigin))
            {
                grafts[link] = byOrigin = [];
            }

            Add(byOrigin, id);
            if (_slots.TryGetValue(link, out var slot) && _lazy.TryGetValue(id.Origin, out var mask))
            {
                _lazy[id.Origin] = mask & ~(1UL << slot);
            }
        }

        foreach (var (link, byOrigin) in grafts ?? [])
        {
            Actions.Enqueue(new SendGraft(link, new GraftMessage([.. byOrigin.Select(o => new OriginSeqs(o.Key, o.Value))])));
        }

        while (_missingOrder.Count > 0 && (!_missing.TryGetValue(_missingOrder.Peek(), out var head) || head.Due == DateTimeOffset.MaxValue))
        {
            _missing.Remove(_missingOrder.Dequeue());
        }
    }

    private void Queue(long link, RecordId id)
    {
        if (!_announce.TryGetValue(link, out var byOrigin))
        {
            _announce[link] = byOrigin = [];
        }

        if (!byOrigin.TryGetValue(id.Origin, out var ranges))
        {
            byOrigin[id.Origin] = ranges = [];
        }

        Extend(ranges, id.Seq);
    }

    private static void Add(Dictionary<NodeId, List<(long, long)>> byOrigin, RecordId id)
    {
        if (!byOrigin.TryGetValue(id.Origin, out var ranges))
        {
            byOrigin[id.Origin] = ranges = [];
        }

        Extend(ranges, id.Seq);
    }

    /// <summary>Adds a seq to ranges that grow mostly at their end (records of a feed arrive about in order).</summary>
    private static void Extend(List<(long From, long To)> ranges, long seq)
    {
        if (ranges.Count > 0 && ranges[^1].To == seq - 1)
        {
            ranges[^1] = (ranges[^1].From, seq);
        }
        else if (!ranges.Exists(r => r.From <= seq && seq <= r.To))
        {
            ranges.Add((seq, seq));
            ranges.Sort();
        }
    }

    private bool EvictOldest()
    {
        while (_missingOrder.TryDequeue(out var oldest))
        {
            if (_missing.Remove(oldest))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class Missing(DateTimeOffset due)
    {
        public DateTimeOffset Due { get; set; } = due;

        public List<long> Announcers { get; } = [];
    }
}
