using AspireP2P.Node.Broadcast;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol.Binary;

namespace AspireP2P.Simulation.Overlay;

/// <summary>
/// Records broadcast over a fixed graph of links, either by eager/lazy push (one <see cref="EagerLazyPolicy"/> per node)
/// or by flooding (every new record to every link but the one it came on), with the same link delays and the same
/// publications, so the two can be compared within one run. Records in full are counted apart from announcements,
/// grafts and prunes (whose bytes are their binary frames').
/// </summary>
public sealed class BroadcastNetwork
{
    private readonly Dictionary<int, HashSet<int>> _links;
    private readonly Latencies _latency;
    private readonly bool _eagerLazy;
    private readonly TimeSpan _tick;
    private readonly TimeSpan _jitter;
    private readonly Random _random;
    private readonly NodeId[] _origins;
    private readonly HashSet<RecordId>[] _held;
    private readonly EagerLazyPolicy?[] _policies;
    private readonly long[] _seqs;
    private readonly Dictionary<(int, int), TimeSpan> _lastArrival = [];
    private readonly Dictionary<RecordId, (TimeSpan Published, int Origin)> _published = [];
    private readonly Dictionary<RecordId, TimeSpan> _lastDelivery = [];
    private readonly List<double> _deliveryLatencies = [];
    private bool _measuring;

    public BroadcastNetwork(IReadOnlyDictionary<int, HashSet<int>> links, Latencies latency, bool eagerLazy, int seed,
        BroadcastOptions? options = null, TimeSpan? tick = null, TimeSpan? jitter = null)
    {
        _links = links.ToDictionary(l => l.Key, l => new HashSet<int>(l.Value));
        _latency = latency;
        _eagerLazy = eagerLazy;
        _tick = tick ?? TimeSpan.FromMilliseconds(50);
        _jitter = jitter ?? TimeSpan.Zero;
        _random = new Random(seed);
        var count = _links.Keys.Max() + 1;
        _origins = [.. Enumerable.Range(0, count).Select(i => new NodeId((ulong)i + 1, (ulong)seed))];
        _held = [.. Enumerable.Range(0, count).Select(_ => new HashSet<RecordId>())];
        _seqs = new long[count];
        _policies = new EagerLazyPolicy?[count];
        if (eagerLazy)
        {
            foreach (var node in _links.Keys)
            {
                var held = _held[node];
                _policies[node] = new EagerLazyPolicy(options ?? new BroadcastOptions(), Loop.Time, held.Contains);
                foreach (var peer in _links[node])
                {
                    _policies[node]!.LinkUp(peer, lazyCapable: true);
                }

                var at = _tick * _random.NextDouble();
                Loop.At(at, () => Tick(node));
            }
        }
    }

    public EventLoop Loop { get; } = new();

    public long RecordMessages { get; private set; }

    public long Deliveries { get; private set; }

    public long Announcements { get; private set; }

    public long AnnouncementBytes { get; private set; }

    public long Grafts { get; private set; }

    public long Prunes { get; private set; }

    public long ControlBytes { get; private set; }

    public double MessagesPerDelivery => Deliveries == 0 ? 0 : RecordMessages / (double)Deliveries;

    /// <summary>From now on, count messages and latencies (after the warm-up, once trees have formed).</summary>
    public void StartMeasuring()
    {
        _measuring = true;
        RecordMessages = Deliveries = Announcements = AnnouncementBytes = Grafts = Prunes = ControlBytes = 0;
        _deliveryLatencies.Clear();
        _lastDelivery.Clear();
        _published.Clear();
    }

    /// <summary>A record published at <paramref name="node"/> at <paramref name="at"/>.</summary>
    public void Publish(TimeSpan at, int node) => Loop.At(at, () =>
    {
        var id = new RecordId(_origins[node], ++_seqs[node]);
        _held[node].Add(id);
        if (_measuring)
        {
            _published[id] = (Loop.Now, node);
        }

        Forward(node, null, id);
    });

    public void Run(TimeSpan until) => Loop.RunUntil(until);

    /// <summary>At <paramref name="at"/>, a random <paramref name="fraction"/> of the links fail: what is in flight on them is lost.</summary>
    public void CutLinks(TimeSpan at, double fraction, int seed) => Loop.At(at, () =>
    {
        var random = new Random(seed);
        foreach (var (a, b) in _links.SelectMany(l => l.Value.Where(p => p > l.Key).Select(p => (l.Key, p))).ToList())
        {
            if (random.NextDouble() < fraction)
            {
                _links[a].Remove(b);
                _links[b].Remove(a);
                _policies[a]?.LinkDown(b);
                _policies[b]?.LinkDown(a);
            }
        }
    });

    /// <summary>Last-delivery latency of each record measured (ms), and how many (record, node) pairs were never delivered.</summary>
    public (List<double> LastDelivery, List<double> EveryDelivery, long Undelivered) Latencies()
    {
        var last = _published.Select(p => (_lastDelivery.GetValueOrDefault(p.Key, p.Value.Published) - p.Value.Published).TotalMilliseconds).ToList();
        var undelivered = _published.Keys.Sum(id => (long)_held.Count(h => !h.Contains(id)));
        return (last, [.. _deliveryLatencies], undelivered);
    }

    private void Forward(int node, int? from, RecordId id)
    {
        IEnumerable<int> targets = _eagerLazy
            ? _policies[node]!.Received(from, id, isNew: true).Select(l => (int)l)
            : _links[node].Where(p => p != from);
        foreach (var peer in targets)
        {
            SendRecord(node, peer, id);
        }

        if (_eagerLazy)
        {
            Drain(node);
        }
    }

    private void SendRecord(int node, int peer, RecordId id)
    {
        if (_published.ContainsKey(id))
        {
            RecordMessages++;
        }

        Deliver(node, peer, () =>
        {
            var isNew = _held[peer].Add(id);
            if (isNew)
            {
                if (_published.TryGetValue(id, out var publication))
                {
                    Deliveries++;
                    var latency = Loop.Now - publication.Published;
                    _deliveryLatencies.Add(latency.TotalMilliseconds);
                    _lastDelivery[id] = Loop.Now;
                }

                Forward(peer, node, id);
            }
            else if (_eagerLazy)
            {
                _policies[peer]!.Received(node, id, isNew: false);
                Drain(peer);
            }
        });
    }

    private void Tick(int node)
    {
        _policies[node]!.Tick();
        Drain(node);
        Loop.After(_tick, () => Tick(node));
    }

    private void Drain(int node)
    {
        var policy = _policies[node]!;
        while (policy.Actions.TryDequeue(out var action))
        {
            var peer = (int)action.Link;
            switch (action)
            {
                case SendIHave ihave:
                    Announcements++;
                    AnnouncementBytes += BinaryCodec.Encode(ihave.Message).Length;
                    Deliver(node, peer, () => { _policies[peer]!.ReceiveIHave(node, ihave.Message); Drain(peer); });
                    break;
                case SendGraft graft:
                    Grafts++;
                    ControlBytes += BinaryCodec.Encode(graft.Message).Length;
                    Deliver(node, peer, () => { _policies[peer]!.ReceiveGraft(node, graft.Message); Drain(peer); });
                    break;
                case SendPrune prune:
                    Prunes++;
                    ControlBytes += BinaryCodec.Encode(prune.Message).Length;
                    Deliver(node, peer, () => { _policies[peer]!.ReceivePrune(node, prune.Message); Drain(peer); });
                    break;
                case SendRecords records:
                    foreach (var (origin, ranges) in records.Records)
                    {
                        foreach (var (from, to) in ranges)
                        {
                            for (var seq = from; seq <= to; seq++)
                            {
                                if (_held[node].Contains(new RecordId(origin, seq)))
                                {
                                    SendRecord(node, peer, new RecordId(origin, seq));
                                }
                            }
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>Delivers after the link's delay (plus jitter), in order per direction, as TCP does.</summary>
    private void Deliver(int from, int to, Action arrive)
    {
        var jitter = _jitter == TimeSpan.Zero ? TimeSpan.Zero : _jitter * _random.NextDouble();
        var at = Loop.Now + _latency.Of(from, to) + jitter;
        if (_lastArrival.TryGetValue((from, to), out var last) && last > at)
        {
            at = last;
        }

        _lastArrival[(from, to)] = at;
        Loop.At(at, () =>
        {
            if (_links[from].Contains(to))
            {
                arrive();
            }
        });
    }
}
