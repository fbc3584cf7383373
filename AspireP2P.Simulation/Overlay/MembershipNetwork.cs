using System.Security.Cryptography;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Membership;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Protocol.Binary;

namespace AspireP2P.Simulation.Overlay;

/// <summary>
/// Many <see cref="MembershipPolicy"/> instances exchanging their messages through one <see cref="EventLoop"/>, no
/// sockets: dials take a round trip and are accepted or refused by the policy dialed, messages travel on links with the
/// link's delay and in order, a crash closes a node's links (its peers notice after
/// <see cref="OverlayOptions.FailureDetection"/>). The links are the graph whose shape is measured.
/// </summary>
public sealed class MembershipNetwork
{
    private readonly OverlayOptions _options;
    private readonly Latencies _latency;
    private readonly Member[] _members;
    private readonly Dictionary<NodeId, int> _index = [];
    private readonly MembershipPolicy?[] _policies;
    private readonly bool[] _dead;
    private readonly Dictionary<int, HashSet<int>> _links = [];

    public MembershipNetwork(OverlayOptions options)
    {
        _options = options;
        _latency = new Latencies(options.LatencyMin, options.LatencyMax, options.Seed);
        _members = new Member[options.Nodes];
        _policies = new MembershipPolicy?[options.Nodes];
        _dead = new bool[options.Nodes];
        for (var i = 0; i < options.Nodes; i++)
        {
            var id = NodeId.Read(SHA256.HashData(BitConverter.GetBytes(((long)options.Seed << 32) | (uint)i)));
            _members[i] = new Member(id, new PeerAddress($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", 3030, false));
            _index[id] = i;
            _links[i] = [];
        }
    }

    public EventLoop Loop { get; } = new();

    public IReadOnlyDictionary<int, HashSet<int>> Links => _links;

    public IReadOnlyList<int> Alive => [.. Enumerable.Range(0, _members.Length).Where(i => !_dead[i] && _policies[i] is not null)];

    public long Messages { get; private set; }

    public long MessageBytes { get; private set; }

    public long Dials { get; private set; }

    public MembershipPolicy? Policy(int node) => _policies[node];

    /// <summary>Starts every node, node i after node i − 1, each joining through its predecessor.</summary>
    public void JoinAsAChain()
    {
        for (var i = 0; i < _members.Length; i++)
        {
            var node = i;
            Loop.At(_options.JoinInterval * i, () => Start(node, node == 0 ? null : node - 1));
        }
    }

    /// <summary>Starts one node; it joins through <paramref name="contact"/> (none: it is the first).</summary>
    public void Start(int node, int? contact)
    {
        var random = new Random((_options.Seed * 1_000_003) + node);
        var passive = _options.PassiveSize > 0 ? _options.PassiveSize : 6 * _options.ActiveSize;
        _policies[node] = new MembershipPolicy(_members[node], new MembershipOptions
        {
            ActiveSize = _options.ActiveSize,
            PassiveSize = passive,
            ShuffleInterval = _options.ShuffleInterval,
        }, Loop.Time, random);
        if (contact is { } through)
        {
            _policies[node]!.Join(_members[through]);
            Drain(node);
        }

        Loop.After(_options.Tick * random.NextDouble(), () => Tick(node));
    }

    public void Run(TimeSpan duration) => Loop.RunUntil(Loop.Now + duration);

    /// <summary>These nodes crash at once: their links close, their peers notice after the detection delay.</summary>
    public void Crash(IEnumerable<int> nodes)
    {
        foreach (var node in nodes)
        {
            _dead[node] = true;
            foreach (var peer in _links[node].ToList())
            {
                Unlink(node, peer);
                Loop.After(_options.FailureDetection, () => Notify(peer, p => p.LinkClosed(_members[node])));
            }
        }
    }

    public GraphShape Shape() => GraphShape.Of(Alive, _links);

    private void Tick(int node)
    {
        if (_dead[node])
        {
            return;
        }

        _policies[node]!.Tick();
        Drain(node);
        Loop.After(_options.Tick, () => Tick(node));
    }

    private void Drain(int node)
    {
        var policy = _policies[node]!;
        while (policy.Actions.TryDequeue(out var action))
        {
            switch (action)
            {
                case ConnectAction connect:
                    Dial(node, _index[connect.Peer.Id], connect.HighPriority);
                    break;
                case SendAction send:
                    Send(node, _index[send.Peer.Id], send.Message);
                    break;
                case CloseAction close:
                    var peer = _index[close.Peer.Id];
                    Loop.After(_latency.Of(node, peer), () =>
                    {
                        if (Unlink(node, peer))
                        {
                            Notify(peer, p => p.LinkClosed(_members[node]));
                        }
                    });
                    break;
            }
        }
    }

    private void Dial(int node, int peer, bool highPriority)
    {
        Dials++;
        var latency = _latency.Of(node, peer);
        Loop.After(latency, () =>
        {
            if (_dead[peer] || _policies[peer] is null)
            {
                Loop.After(_options.DialTimeout - latency, () => Notify(node, p => p.ConnectFailed(_members[peer])));
                return;
            }

            if (_dead[node])
            {
                return;
            }

            var accepted = _policies[peer]!.AcceptLink(_members[node], highPriority, out var alternatives);
            if (accepted)
            {
                Link(node, peer);
                Loop.After(latency, () => Notify(node, p =>
                {
                    if (_links[node].Contains(peer))
                    {
                        p.Connected(_members[peer]);
                    }
                    else
                    {
                        p.ConnectFailed(_members[peer]);
                    }
                }));
            }
            else
            {
                Loop.After(latency, () => Notify(node, p => p.ConnectRefused(_members[peer], alternatives)));
            }

            Drain(peer);
        });
    }

    private void Send(int node, int peer, MembershipMessage message)
    {
        if (!_links[node].Contains(peer))
        {
            return;
        }

        Messages++;
        MessageBytes += BinaryCodec.Encode(message).Length;
        Loop.After(_latency.Of(node, peer), () =>
        {
            if (_links[node].Contains(peer))
            {
                Notify(peer, p => p.Receive(_members[node], message));
            }
        });
    }

    private void Notify(int node, Action<MembershipPolicy> call)
    {
        if (!_dead[node] && _policies[node] is { } policy)
        {
            call(policy);
            Drain(node);
        }
    }

    private void Link(int a, int b)
    {
        _links[a].Add(b);
        _links[b].Add(a);
    }

    private bool Unlink(int a, int b) => _links[a].Remove(b) | _links[b].Remove(a);
}
