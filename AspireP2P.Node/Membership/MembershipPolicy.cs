using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Membership;

/// <summary>
/// HyParView (Leitão, Pereira, Rodrigues, DSN 2007) as a pure policy: a small symmetric active view — the links this
/// node keeps open, at most <see cref="MembershipOptions.ActiveSize"/> (P2P:TargetPeers) — and a larger passive view of
/// addresses, refreshed by shuffles on random walks, from which a failed active link is replaced at once. Joins travel
/// random walks, so a network that joins as a chain (each node knowing only its predecessor) still ends as a random-like
/// graph of small diameter, and stays one piece when half of it fails.
/// <para>How it fits the node's capacity rules: a node dials until its active view reaches the target (P2P:TargetPeers)
/// and accepts others' dials up to <see cref="MembershipOptions.AcceptLimit"/> (target + 1, at most P2P:MaxPeers); a node
/// with no active link dials with high priority and is accepted even by a full node, which evicts one of its own (the
/// evicted one keeps it passive) — this replaces the reserve of slots for own dials; a full node refusing a low-priority
/// dial names its active members (X-P2P-Peers), which the dialer keeps as passive. Beyond the paper, a node at its
/// target rotates one link now and then (<see cref="MembershipOptions.RotateInterval"/>), which is what turns a
/// chain-joined network into a random-like graph.</para>
/// <para>No I/O, no tasks: inputs are method calls, outputs are <see cref="MembershipAction"/>s in <see cref="Actions"/>;
/// time from the injected <see cref="TimeProvider"/>, randomness from the injected <see cref="Random"/>. One owner (the
/// mesh loop) calls it; <see cref="Tick"/> runs the timers.</para>
/// </summary>
public sealed class MembershipPolicy
{
    private const int MaxRemembered = 64;

    private readonly Member _self;
    private readonly MembershipOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly MemberSet _active = new();
    private readonly MemberSet _passive = new();
    private readonly Dictionary<NodeId, bool> _dialing = [];
    private readonly HashSet<NodeId> _rotating = [];
    private readonly Dictionary<ulong, (NodeId From, DateTimeOffset Until)> _walks = [];
    private List<Member> _lastSample = [];
    private ulong _lastShuffle;
    private Member? _contact;
    private DateTimeOffset _nextShuffle;
    private DateTimeOffset _nextPromote;
    private DateTimeOffset _nextRotate;
    private TimeSpan _rotateInterval;

    public MembershipPolicy(Member self, MembershipOptions options, TimeProvider time, Random random)
    {
        _self = self;
        _options = options;
        _time = time;
        _random = random;
        var now = time.GetUtcNow();
        _nextShuffle = now + Jitter(options.ShuffleInterval);
        _rotateInterval = options.RotateInterval;
        _nextRotate = now + Jitter(_rotateInterval);
        _nextPromote = now;
    }

    public Queue<MembershipAction> Actions { get; } = new();

    public IReadOnlyList<Member> Active => _active.Members;

    public IReadOnlyList<Member> Passive => _passive.Members;

    /// <summary>Joins the network through a contact (a --peers address): dial it with high priority, then send JOIN.</summary>
    public void Join(Member contact)
    {
        _contact = contact;
        Dial(contact, highPriority: true);
    }

    /// <summary>A link this node dialed is up.</summary>
    public void Connected(Member peer)
    {
        _dialing.Remove(peer.Id);
        _passive.Remove(peer.Id);
        AddActive(peer);
        if (_contact is { } contact && contact.Id == peer.Id)
        {
            _contact = null;
            Actions.Enqueue(new SendAction(peer, new JoinMessage()));
        }

        if (_rotating.Remove(peer.Id) && _active.Count > _options.ActiveSize && _active.Pick(_random, peer.Id) is { } dropped)
        {
            Drop(dropped);
        }
    }

    /// <summary>A dial failed (unreachable, timed out): the member is taken for dead and forgotten.</summary>
    public void ConnectFailed(Member peer)
    {
        _dialing.Remove(peer.Id);
        _rotating.Remove(peer.Id);
        _passive.Remove(peer.Id);
        _nextPromote = _time.GetUtcNow();
    }

    /// <summary>A dial was refused by a full node, which named some of its peers: they become passive members.</summary>
    public void ConnectRefused(Member peer, IEnumerable<Member> alternatives)
    {
        _dialing.Remove(peer.Id);
        _rotating.Remove(peer.Id);
        AddPassive(peer);
        foreach (var alternative in alternatives)
        {
            AddPassive(alternative);
        }

        if (_contact is { } contact && contact.Id == peer.Id && _passive.Pick(_random, peer.Id) is { } other)
        {
            // The contact is full: join through one of the peers it named instead.
            _contact = other;
            Dial(other, highPriority: true);
        }

        _nextPromote = _time.GetUtcNow();
    }

    /// <summary>
    /// Another node dials this one (the upgrade, before the link is up): true to accept. A node at its accept limit
    /// accepts only a high-priority dial, evicting a random active member to make room. Refused:
    /// <paramref name="alternatives"/> are members to name in the answer (X-P2P-Peers).
    /// </summary>
    public bool AcceptLink(Member peer, bool highPriority, out IReadOnlyList<Member> alternatives)
    {
        alternatives = [];
        if (peer.Id == _self.Id)
        {
            return false;
        }

        if (_active.Contains(peer.Id) || _active.Count < _options.AcceptLimit || highPriority)
        {
            _passive.Remove(peer.Id);
            AddActive(peer);
            return true;
        }

        alternatives = _active.Sample(_random, _options.ShuffleActive);
        AddPassive(peer);
        return false;
    }

    /// <summary>An active link closed without a DISCONNECT (the peer failed, or the link did): replace it from the passive view.</summary>
    public void LinkClosed(Member peer)
    {
        if (_active.Remove(peer.Id))
        {
            _nextPromote = _time.GetUtcNow();
        }
    }

    public void Receive(Member from, MembershipMessage message)
    {
        switch (message)
        {
            case JoinMessage:
                AddActive(from);
                foreach (var member in _active.Members.Where(m => m.Id != from.Id).ToList())
                {
                    Actions.Enqueue(new SendAction(member, new ForwardJoinMessage(from, _options.ActiveWalkLength)));
                }

                break;
            case ForwardJoinMessage forward:
                ForwardJoin(from, forward.Joiner, forward.TimeToLive);
                break;
            case DisconnectMessage:
                if (_active.Remove(from.Id))
                {
                    AddPassive(from);
                    _nextPromote = _time.GetUtcNow();
                }

                break;
            case ShuffleMessage shuffle:
                Shuffle(from, shuffle);
                break;
            case ShuffleReplyMessage reply:
                if (_walks.Remove(reply.Id, out var back) && _active.Find(back.From) is { } previous)
                {
                    Actions.Enqueue(new SendAction(previous, reply));
                }
                else if (reply.Id == _lastShuffle)
                {
                    Integrate(reply.Sample, _lastSample);
                }

                break;
        }
    }

    /// <summary>Runs what is due: a shuffle every interval, replacing missing active links from the passive view.</summary>
    public void Tick()
    {
        var now = _time.GetUtcNow();
        foreach (var expired in _walks.Where(w => w.Value.Until <= now).Select(w => w.Key).ToList())
        {
            _walks.Remove(expired);
        }

        if (now >= _nextShuffle)
        {
            _nextShuffle = now + Jitter(_options.ShuffleInterval);
            StartShuffle();
        }

        if (now >= _nextPromote)
        {
            _nextPromote = now + _options.PromoteInterval;
            Promote();
        }

        if (now >= _nextRotate)
        {
            _rotateInterval = TimeSpan.FromTicks(Math.Min(_rotateInterval.Ticks * 2, _options.RotateMaxInterval.Ticks));
            _nextRotate = now + Jitter(_rotateInterval);
            Rotate();
        }
    }

    /// <summary>At its target, dial a random passive member; once linked, a random other link is dropped (<see cref="Connected"/>).</summary>
    private void Rotate()
    {
        if (_active.Count < _options.ActiveSize || _dialing.Count > 0
            || _passive.Pick(_random) is not { } candidate)
        {
            return;
        }

        _rotating.Add(candidate.Id);
        Dial(candidate, highPriority: false);
    }

    private void ForwardJoin(Member from, Member joiner, int timeToLive)
    {
        if (joiner.Id == _self.Id || _active.Contains(joiner.Id) || _dialing.ContainsKey(joiner.Id))
        {
            return;
        }

        if (timeToLive <= 0 || _active.Count <= 1)
        {
            Dial(joiner, highPriority: true);
            return;
        }

        if (timeToLive == _options.PassiveWalkLength)
        {
            AddPassive(joiner);
        }

        if (_active.Pick(_random, from.Id, joiner.Id) is { } next)
        {
            Actions.Enqueue(new SendAction(next, new ForwardJoinMessage(joiner, timeToLive - 1)));
        }
        else
        {
            Dial(joiner, highPriority: true);
        }
    }

    private void StartShuffle()
    {
        if (_active.Pick(_random) is not { } target)
        {
            return;
        }

        var sample = new List<Member> { _self };
        sample.AddRange(_active.Sample(_random, _options.ShuffleActive).Where(m => m.Id != target.Id));
        sample.AddRange(_passive.Sample(_random, _options.ShufflePassive));
        _lastShuffle = NextId();
        _lastSample = sample;
        Actions.Enqueue(new SendAction(target, new ShuffleMessage(_lastShuffle, _self, _options.ActiveWalkLength, sample)));
    }

    private void Shuffle(Member from, ShuffleMessage shuffle)
    {
        if (shuffle.TimeToLive - 1 > 0 && _active.Count > 1 && _walks.Count < MaxRemembered
            && _active.Pick(_random, from.Id, shuffle.Origin.Id) is { } next)
        {
            _walks[shuffle.Id] = (from.Id, _time.GetUtcNow() + _options.ShuffleReplyWindow);
            Actions.Enqueue(new SendAction(next, shuffle with { TimeToLive = shuffle.TimeToLive - 1 }));
            return;
        }

        var reply = _passive.Sample(_random, shuffle.Sample.Count).Where(m => m.Id != shuffle.Origin.Id).ToList();
        Actions.Enqueue(new SendAction(from, new ShuffleReplyMessage(shuffle.Id, reply)));
        Integrate(shuffle.Sample, reply);
    }

    /// <summary>Adds a received sample to the passive view, evicting first what this node sent in exchange.</summary>
    private void Integrate(IReadOnlyList<Member> sample, List<Member> sent)
    {
        foreach (var member in sample)
        {
            if (member.Id == _self.Id || _active.Contains(member.Id) || _passive.Contains(member.Id))
            {
                continue;
            }

            if (_passive.Count >= _options.PassiveSize)
            {
                var evict = sent.Count > 0 ? sent[^1] : _passive.Pick(_random)!.Value;
                if (sent.Count > 0)
                {
                    sent.RemoveAt(sent.Count - 1);
                }

                if (!_passive.Remove(evict.Id))
                {
                    _passive.Remove(_passive.Pick(_random)!.Value.Id);
                }
            }

            _passive.Add(member);
        }
    }

    private void Promote()
    {
        var wanted = _options.ActiveSize - _active.Count - _dialing.Count;
        for (var i = 0; i < wanted; i++)
        {
            var candidate = _passive.Members.Where(m => !_dialing.ContainsKey(m.Id)).ToList();
            if (candidate.Count == 0)
            {
                return;
            }

            Dial(candidate[_random.Next(candidate.Count)], highPriority: _active.Count == 0);
        }
    }

    private void AddActive(Member peer)
    {
        if (peer.Id == _self.Id || !_active.Add(peer))
        {
            return;
        }

        _passive.Remove(peer.Id);
        while (_active.Count > _options.AcceptLimit && _active.Pick(_random, peer.Id) is { } evicted)
        {
            Drop(evicted);
        }
    }

    /// <summary>Leaves an active member (DISCONNECT, then the link closes); it stays known as passive.</summary>
    private void Drop(Member member)
    {
        _active.Remove(member.Id);
        Actions.Enqueue(new SendAction(member, new DisconnectMessage()));
        Actions.Enqueue(new CloseAction(member));
        AddPassive(member);
    }

    private void AddPassive(Member member)
    {
        if (member.Id == _self.Id || _active.Contains(member.Id) || _passive.Contains(member.Id))
        {
            return;
        }

        if (_passive.Count >= _options.PassiveSize)
        {
            _passive.Remove(_passive.Pick(_random)!.Value.Id);
        }

        _passive.Add(member);
    }

    private void Dial(Member peer, bool highPriority)
    {
        if (peer.Id == _self.Id || _active.Contains(peer.Id) || !_dialing.TryAdd(peer.Id, highPriority))
        {
            return;
        }

        Actions.Enqueue(new ConnectAction(peer, highPriority));
    }

    private ulong NextId() => (ulong)_random.NextInt64();

    private TimeSpan Jitter(TimeSpan interval) => interval * (0.75 + (_random.NextDouble() / 2));
}
