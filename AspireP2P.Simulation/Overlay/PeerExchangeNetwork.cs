namespace AspireP2P.Simulation.Overlay;

/// <summary>
/// A model of today's peer exchange (MeshLoop's rules, not its code), for a side-by-side baseline in the same harness:
/// a node dials its bootstrap peer; heartbeats (every second) carry each node's peers; a node below its target dials a
/// random address it learned; links others dial stop short of the cap by the reserve, and a full node names up to 8 of
/// its peers, one of which a refused node dials at once.
/// </summary>
public sealed class PeerExchangeNetwork(OverlayOptions options, int maxPeers)
{
    private const int MaxCandidates = 256;

    private readonly Latencies _latency = new(options.LatencyMin, options.LatencyMax, options.Seed);
    private readonly Random _random = new(options.Seed);
    private readonly Dictionary<int, HashSet<int>> _links = Enumerable.Range(0, options.Nodes).ToDictionary(i => i, _ => new HashSet<int>());
    private readonly Dictionary<int, HashSet<int>> _inbound = Enumerable.Range(0, options.Nodes).ToDictionary(i => i, _ => new HashSet<int>());
    private readonly Dictionary<int, HashSet<int>> _candidates = Enumerable.Range(0, options.Nodes).ToDictionary(i => i, _ => new HashSet<int>());
    private readonly Dictionary<int, HashSet<int>> _tried = Enumerable.Range(0, options.Nodes).ToDictionary(i => i, _ => new HashSet<int>());
    private readonly Dictionary<int, int> _dialing = Enumerable.Range(0, options.Nodes).ToDictionary(i => i, _ => 0);
    private readonly bool[] _started = new bool[options.Nodes];

    public EventLoop Loop { get; } = new();

    public void JoinAsAChain()
    {
        for (var i = 0; i < options.Nodes; i++)
        {
            var node = i;
            Loop.At(options.JoinInterval * i, () =>
            {
                _started[node] = true;
                if (node > 0)
                {
                    Dial(node, node - 1, bootstrap: true);
                }

                Loop.After(TimeSpan.FromSeconds(_random.NextDouble()), () => Heartbeat(node));
                Loop.After(options.Tick * _random.NextDouble(), () => Exchange(node));
            });
        }
    }

    public void Run(TimeSpan duration) => Loop.RunUntil(Loop.Now + duration);

    public GraphShape Shape() => GraphShape.Of([.. Enumerable.Range(0, options.Nodes)], _links);

    private void Heartbeat(int node)
    {
        foreach (var peer in _links[node])
        {
            var peers = _links[node].Where(p => p != peer).Take(16).ToList();
            Loop.After(_latency.Of(node, peer), () =>
            {
                foreach (var learned in peers.Where(l => l != peer && _candidates[peer].Count < MaxCandidates))
                {
                    _candidates[peer].Add(learned);
                }
            });
        }

        Loop.After(TimeSpan.FromSeconds(1), () => Heartbeat(node));
    }

    private void Exchange(int node)
    {
        if (_links[node].Count + _dialing[node] < options.ActiveSize)
        {
            var fresh = _candidates[node].Where(c => c != node && !_links[node].Contains(c) && !_tried[node].Contains(c)).ToList();
            if (fresh.Count > 0)
            {
                Dial(node, fresh[_random.Next(fresh.Count)], bootstrap: false);
            }
        }

        Loop.After(options.Tick, () => Exchange(node));
    }

    private void Dial(int node, int peer, bool bootstrap)
    {
        _tried[node].Add(peer);
        _candidates[node].Remove(peer);
        _dialing[node]++;
        var latency = _latency.Of(node, peer);
        Loop.After(latency, () =>
        {
            var reserved = Math.Min(Math.Max(options.ActiveSize, 1), maxPeers / 2);
            var full = !_started[peer] || _links[peer].Count >= maxPeers || _inbound[peer].Count >= maxPeers - reserved;
            var alternatives = _links[peer].Where(p => p != node).Take(8).ToList();
            if (!full)
            {
                _links[node].Add(peer);
                _links[peer].Add(node);
                _inbound[peer].Add(node);
            }

            Loop.After(latency, () =>
            {
                _dialing[node]--;
                if (full)
                {
                    foreach (var alternative in alternatives.Where(a => a != node))
                    {
                        _candidates[node].Add(alternative);
                    }

                    var fresh = alternatives.Where(a => a != node && !_tried[node].Contains(a) && !_links[node].Contains(a)).ToList();
                    if (bootstrap && fresh.Count > 0)
                    {
                        Dial(node, fresh[_random.Next(fresh.Count)], bootstrap: true);
                    }
                }
            });
        });
    }
}
