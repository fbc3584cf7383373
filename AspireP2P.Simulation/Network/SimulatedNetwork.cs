using System.IO.Hashing;
using System.Text;
using AspireP2P.Node.Transport;
using AspireP2P.Simulation.Scheduling;

namespace AspireP2P.Simulation.Network;

/// <summary>How the simulated network behaves: per-link latency, jitter, loss and bandwidth.</summary>
public sealed record NetworkModel(TimeSpan MinLatency, TimeSpan MaxLatency, TimeSpan Jitter, double LossPercent, long BytesPerSecond)
{
    /// <summary>A LAN-ish default: 1–20 ms per link, ±2 ms jitter, no loss, 100 MB/s per direction.</summary>
    public static NetworkModel Default { get; } = new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(2), 0, 100_000_000);
}

/// <summary>
/// The simulated network under the in-memory transport: each directed pair of nodes has a fixed base latency (drawn from
/// the seed), every message adds jitter, a lost packet costs a retransmission timeout (as on TCP: late, never gone),
/// bandwidth queues messages, and partitions cut pairs of nodes apart, both ways or one way, without telling either side.
/// </summary>
public sealed class SimulatedNetwork : ILinkModel
{
    private static readonly TimeSpan Retransmission = TimeSpan.FromMilliseconds(200);

    private readonly SimulationScheduler _scheduler;
    private readonly NetworkModel _model;
    private readonly Random _random;
    private readonly ulong _seed;
    private readonly Dictionary<(string, string), long> _busyUntil = [];
    private readonly Dictionary<string, int> _group = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> _blocked = [];
    private readonly HashSet<string> _bridges = new(StringComparer.Ordinal);

    public SimulatedNetwork(SimulationScheduler scheduler, NetworkModel model, int seed)
    {
        _scheduler = scheduler;
        _model = model;
        _random = new Random(seed);
        _seed = (ulong)seed;
        Transport = new InMemoryNetwork(scheduler.Time, this);
    }

    public InMemoryNetwork Transport { get; }

    /// <summary>Messages that crossed the network, and their bytes.</summary>
    public long Messages { get; private set; }

    public long Bytes { get; private set; }

    public bool Partitioned => _group.Count > 0 || _blocked.Count > 0;

    /// <summary>Cuts the network into groups: nodes in different groups cannot reach each other; bridges reach everyone.</summary>
    public void Partition(IReadOnlyDictionary<string, int> groups, IEnumerable<string>? bridges = null)
    {
        _group.Clear();
        foreach (var (address, group) in groups)
        {
            _group[address] = group;
        }

        _bridges.Clear();
        _bridges.UnionWith(bridges ?? []);
    }

    /// <summary>Messages from <paramref name="source"/> to <paramref name="destination"/> vanish (one way only).</summary>
    public void Block(string source, string destination) => _blocked.Add((source, destination));

    public void Heal()
    {
        _group.Clear();
        _bridges.Clear();
        _blocked.Clear();
    }

    public bool Reachable(string source, string destination)
    {
        if (_blocked.Contains((source, destination)))
        {
            return false;
        }

        if (_group.Count == 0 || _bridges.Contains(source) || _bridges.Contains(destination))
        {
            return true;
        }

        return _group.GetValueOrDefault(source, -1) == _group.GetValueOrDefault(destination, -1);
    }

    public TimeSpan? Delay(string source, string destination, int bytes)
    {
        Messages++;
        Bytes += bytes;
        var delay = BaseLatency(source, destination).Ticks + (long)(_model.Jitter.Ticks * ((2 * _random.NextDouble()) - 1));
        while (_model.LossPercent > 0 && _random.NextDouble() * 100 < _model.LossPercent)
        {
            delay += Retransmission.Ticks;
        }

        // Bandwidth: a message waits for the ones before it on the same direction of the same link.
        var now = _scheduler.Now;
        var serialization = _model.BytesPerSecond > 0 ? bytes * TimeSpan.TicksPerSecond / _model.BytesPerSecond : 0;
        var start = Math.Max(now, _busyUntil.GetValueOrDefault((source, destination)));
        _busyUntil[(source, destination)] = start + serialization;
        return TimeSpan.FromTicks(Math.Max(0, delay) + (start - now) + serialization);
    }

    private TimeSpan BaseLatency(string source, string destination)
    {
        // Fixed per directed pair, drawn from the seed: the same run always sees the same network.
        Span<byte> key = stackalloc byte[Encoding.UTF8.GetMaxByteCount(source.Length + destination.Length + 1)];
        var length = Encoding.UTF8.GetBytes(source, key);
        key[length++] = 0;
        length += Encoding.UTF8.GetBytes(destination, key[length..]);
        var unit = (XxHash64.HashToUInt64(key[..length], (long)_seed) >> 11) / (double)(1UL << 53);
        return _model.MinLatency + ((_model.MaxLatency - _model.MinLatency) * unit);
    }
}
