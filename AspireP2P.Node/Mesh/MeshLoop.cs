using System.Diagnostics;
using System.Threading.Channels;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Supervision;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// The one owner of mesh state: the peer table, the open links and the pending disconnects. Everything that changes them
/// is a typed <see cref="MeshEvent"/> on one channel, handled in order by one loop (as go-libp2p-pubsub's processLoop
/// does); the decisions are made by small policies it runs (<see cref="DialScheduler"/>, <see cref="LinkCapacity"/>,
/// <see cref="PeerExchange"/>, <see cref="AntiEntropySchedule"/>, <see cref="MeshHealthPolicy"/>). Everyone else reads the
/// snapshots it publishes (<see cref="Snapshot"/>, <see cref="NodeContext.Links"/>). Dials and links run as supervised
/// tasks whose ends come back as events, so no state ever points at a dead link. Every waiter an event carries is
/// answered, whatever happens: handled, failed, or the node stopping.
/// <para>The simulator runs this code on one deterministic thread, so the core keeps three rules: time only from
/// <see cref="NodeContext.Time"/> and randomness only from <see cref="NodeContext.Random"/>; no Task.Run, ConfigureAwait(false)
/// or CancelAsync (they hop to the thread pool); no TaskCompletionSource with RunContinuationsAsynchronously awaited with a
/// timeout.</para>
/// </summary>
public sealed class MeshLoop : ILinkEvents
{
    internal const string LoopName = "mesh loop";
    internal const string TickName = "mesh tick";

    /// <summary>A disconnect answers once its links have ended, or after this long (links still closing leave the table when they end).</summary>
    private static readonly TimeSpan DisconnectWait = TimeSpan.FromSeconds(5);

    private readonly NodeContext _node;
    private readonly Dialer _dialer;
    private readonly NetworkFaults? _faults;
    private readonly ILogger _logger;
    private readonly Channel<MeshEvent> _events = Channel.CreateUnbounded<MeshEvent>();

    // Policies.
    private readonly DialScheduler _dials;
    private readonly LinkCapacity _capacity;
    private readonly PeerExchange _exchange;
    private readonly AntiEntropySchedule _antiEntropy;
    private readonly MeshHealthPolicy _health = new();

    // Loop-owned state.
    private readonly Dictionary<string, PeerEntry> _peers = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Link> _links = [];
    private readonly Dictionary<NodeId, Link> _byPeerId = [];
    private readonly Dictionary<long, PendingDisconnect> _disconnects = [];
    private long _nextDisconnect;
    private ITimer? _redialTimer;
    private DateTimeOffset? _redialArmedFor;
    private bool _stopping;
    private bool _failed;
    private bool _changed;
    private MeshSnapshot _snapshot = MeshSnapshot.Empty;

    public MeshLoop(NodeContext node, Dialer dialer, NetworkFaults? faults, DialPolicy policy)
    {
        _node = node;
        _dialer = dialer;
        _faults = faults;
        _logger = node.Logs.CreateLogger<MeshLoop>();
        _dials = new DialScheduler(node.Options, node.Time.GetUtcNow());
        _capacity = new LinkCapacity(node.Options);
        _exchange = new PeerExchange(policy);
        _antiEntropy = new AntiEntropySchedule(node.Options.AntiEntropyInterval, node.Options.FullSyncInterval);
        Penalties = new PenaltyBox(node.Time);
        if (faults is not null)
        {
            faults.Changed += () => Post(new FaultsChanged());
        }
    }

    /// <summary>The mesh as of its last change.</summary>
    public MeshSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Remotes closed for misbehaving, kept out for a while.</summary>
    public PenaltyBox Penalties { get; }

    /// <summary>Starts the loop and its tick, supervised. The simulator starts it on its own scheduler.</summary>
    public void Start()
    {
        _redialTimer = _node.Time.CreateTimer(static state => ((MeshLoop)state!).Post(new RedialDue()), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        // The loop ends by itself once StopAsync has completed its channel (and it has answered what was left).
        _node.Supervisor.Loop(LoopName, RunAsync, finished: () => _events.Reader.Completion.IsCompleted);
        _node.Supervisor.Loop(TickName, TickAsync);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (await _events.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_events.Reader.TryRead(out var next))
            {
                if (_failed)
                {
                    next.Abandon("this node has failed and is stopping");
                    continue;
                }

                try
                {
                    _node.Faults?.ThrowIfInjected(FaultPoint.MeshEvent);
                    Handle(next);
                }
                catch (Exception ex)
                {
                    // The event is answered (its waiter gets a 503), reported, and counted against the loop's restart
                    // intensity: a loop that keeps failing stops the node rather than leave it answering half alive.
                    // After that it only answers what still comes, until the host has stopped.
                    next.Abandon($"this node's mesh loop failed on the request ({ex.GetType().Name})");
                    _changed = true;
                    _failed = !_node.Supervisor.Failed(LoopName, ex);
                }
            }

            if (_changed)
            {
                PublishSnapshot();
            }

            ArmRedialTimer();
        }

        // Completed: the node stops. Whatever is left is answered.
        while (_events.Reader.TryRead(out var left))
        {
            left.Abandon("the node is stopping");
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_node.Options.HeartbeatInterval, _node.Time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            _node.Faults?.ThrowIfInjected(FaultPoint.MeshTick);
            Post(new MeshTick());
        }
    }

    /// <summary>Queues an event; once the loop has stopped, the event is answered at once instead.</summary>
    private void Post(MeshEvent next)
    {
        if (!_events.Writer.TryWrite(next))
        {
            next.Abandon("the node is stopping");
        }
    }

    // ---------------------------------------------------------------- requests from outside (any thread)

    /// <summary>The peers named at start (<c>--peers</c>): kept linked for as long as the node runs.</summary>
    public void Bootstrap(IEnumerable<PeerAddress> addresses)
    {
        var first = true;
        foreach (var address in addresses)
        {
            if (first)
            {
                // Until the loop has taken its bootstrap peers in, /health must not say Healthy: on a busy machine that took
                // long enough for a test to see a node named --peers <nothing listening> report Healthy. Only the initial
                // empty snapshot is replaced: once the loop has published, its own snapshot stands.
                var dialing = new MeshHealth(true, $"bootstrap peer {address} is not linked (dialing)", _node.Time.GetUtcNow());
                Interlocked.CompareExchange(ref _snapshot, MeshSnapshot.Empty with { Health = dialing }, MeshSnapshot.Empty);
                first = false;
            }

            Post(new WantPeer(address, PeerOrigin.Bootstrap, Waiter: null));
        }
    }

    /// <summary>
    /// POST /peer and the tutorial's dial-back: answered once the link is up, refused, failed, cancelled by a disconnect,
    /// or the node stops. The caller brings its own deadline.
    /// </summary>
    public Task<ConnectOutcome> ConnectAsync(PeerAddress address, PeerOrigin origin)
    {
        var waiter = new Waiter<ConnectOutcome>();
        Post(new WantPeer(address, origin, waiter));
        return waiter.Task;
    }

    /// <summary>Closes every link and forgets every peer this node dialed; returns how many links were open, once they are closed.</summary>
    public Task<int> DisconnectAllAsync()
    {
        var waiter = new Waiter<int>();
        Post(new DisconnectAll(waiter));
        return waiter.Task;
    }

    /// <summary>Closes the link to one peer and forgets it; false when it is not a known peer. Answers once the link is closed.</summary>
    public Task<bool> DisconnectAsync(PeerAddress address)
    {
        var waiter = new Waiter<bool>();
        Post(new DisconnectPeer(address, waiter));
        return waiter.Task;
    }

    /// <summary>
    /// Why an upgrade from one of our nodes should be refused now (read from the snapshot; the loop decides again). A full
    /// node names some of its peers to dial instead: without them a node whose only bootstrap peer is full, and every node
    /// that later joins through it, would make an island that never meets the rest.
    /// </summary>
    public (int Status, string Reason, IReadOnlyList<PeerAddress> Alternatives)? AdmissionProblem(NodeId peer)
    {
        if (Penalties.HeldUntil(peer.ToString()) is { } until)
        {
            return (503, $"this node closed a link from this peer for breaking the protocol; it is refused until {until:HH:mm:ss}", []);
        }

        // A second link from a node already linked is accepted: the loop keeps one of the two (see KeepNew).
        var links = _node.Links.Snapshot;
        if (links.Any(l => l.PeerId == peer) || _capacity.Problem(links, LinkKind.Peer, LinkDirection.Inbound) is not { } full)
        {
            return null;
        }

        var alternatives = links.Where(l => l.Kind == LinkKind.Peer && l.PeerAddress is not null && l.PeerId != peer)
            .Select(l => l.PeerAddress!.Value).ToList();
        // Each dialer is given a different slice (its id picks the start), so nodes refused at once spread over the
        // full node's peers; not the loop's Random, which this thread must not touch.
        var start = alternatives.Count == 0 ? 0 : (int)(peer.Low % (ulong)alternatives.Count);
        var offered = alternatives.Skip(start).Concat(alternatives.Take(start)).Take(WireProtocol.MaxExchangedPeers / 2).ToList();
        return (503, full, offered);
    }

    /// <summary>Why a link from a stranger (a node that does not speak our protocol) should be refused now, or null.</summary>
    public string? StrangerAdmissionProblem(string remote)
    {
        if (Penalties.HeldUntil(PenaltyBox.HostOf(remote)) is { } until)
        {
            return $"this node closed a link from this address for breaking the protocol; it is refused until {until:HH:mm:ss}";
        }

        return _capacity.Problem(_node.Links.Snapshot, LinkKind.TutorialReceive, LinkDirection.Inbound);
    }

    /// <summary>An accepted link whose HELLO checked out (or a tutorial node's).</summary>
    public void Opened(Link link) => Post(new LinkAccepted(link));

    /// <summary>
    /// Closes every link, answers every waiter and stops taking events: links end (their peers notice at once) within a
    /// deadline. Runs once; the host calls it when it begins to stop, the core when it is disposed.
    /// </summary>
    public async Task StopAsync()
    {
        var closed = new Waiter<int>();
        Post(new StopLinks(closed));
        try
        {
            await closed.Task.WaitAsync(DisconnectWait + TimeSpan.FromSeconds(1), _node.Time);
        }
        catch (TimeoutException)
        {
            // Links that do not end in time are cut when the process ends.
        }

        _events.Writer.TryComplete();
        _redialTimer?.Dispose();
        // The loop drains what is left; if it is not running (it failed), this does.
        while (_events.Reader.TryRead(out var left))
        {
            left.Abandon("the node is stopping");
        }
    }

    // ---------------------------------------------------------------- link events (from link readers)

    public void HeartbeatReceived(Link link, HeartbeatMessage heartbeat) => Post(new HeartbeatHeard(link, heartbeat));

    public void HandshakeReceived(Link link, HandshakeMessage handshake) => Post(new HandshakeHeard(link, handshake));

    public void Closed(Link link, LinkClose close) => Post(new LinkEnded(link, close));

    // ---------------------------------------------------------------- loop-only

    private void Handle(MeshEvent next)
    {
        switch (next)
        {
            case MeshTick:
                Tick();
                break;
            case RedialDue:
                _redialArmedFor = null;
                Redials(_node.Time.GetUtcNow());
                break;
            case WantPeer want:
                Want(want.Address, want.Origin, want.Waiter);
                break;
            case LinkAccepted accepted:
                Register(accepted.Link, origin: null);
                break;
            case DialEnded ended:
                Dialed(ended.Entry, ended.Attempt);
                break;
            case HeartbeatHeard heard:
                LearnPeers(heard.Heartbeat);
                return;
            case HandshakeHeard handshake:
                DialBack(handshake.Handshake);
                break;
            case LinkEnded ended:
                Ended(ended.Link, ended.Close);
                break;
            case DisconnectAll all:
                DisconnectEverything(all.Waiter);
                break;
            case DisconnectPeer one:
                DisconnectOne(one.Address, one.Waiter);
                break;
            case DisconnectDeadline deadline:
                FinishDisconnect(deadline.Request);
                break;
            case StopLinks stop:
                Stop(stop.Waiter);
                break;
            case FaultsChanged:
                break;
        }

        _changed = true;
    }

    private void Want(PeerAddress address, PeerOrigin origin, Waiter<ConnectOutcome>? waiter)
    {
        if (_stopping)
        {
            waiter?.Answer(new ConnectOutcome(ConnectStatus.Unavailable, address, "the node is stopping"));
            return;
        }

        if (address.Key == _node.Local.Address.Key)
        {
            waiter?.Answer(new ConnectOutcome(ConnectStatus.Self, address, "that address is this node itself"));
            return;
        }

        if (_peers.TryGetValue(address.Key, out var entry))
        {
            if (origin != PeerOrigin.Inbound && !entry.Wanted)
            {
                entry.Origin = origin;
            }

            if (entry.Link is not null)
            {
                waiter?.Answer(new ConnectOutcome(ConnectStatus.AlreadyConnected, address));
                return;
            }

            if (waiter is not null)
            {
                entry.Waiters.Add(waiter);
            }

            // Asked again (or heard from): no need to wait out the back-off.
            if (!entry.Dialing)
            {
                StartDial(entry);
            }

            return;
        }

        if (waiter is not null && _capacity.Problem(_links.Values, LinkKind.Peer, LinkDirection.Outbound) is { } full)
        {
            waiter.Answer(new ConnectOutcome(ConnectStatus.Refused, address, full));
            return;
        }

        entry = new PeerEntry(address, origin) { Since = _node.Time.GetUtcNow() };
        _peers[address.Key] = entry;
        if (waiter is not null)
        {
            entry.Waiters.Add(waiter);
        }

        StartDial(entry);
    }

    private void StartDial(PeerEntry entry)
    {
        if (_faults?.IsPartitioned == true)
        {
            entry.LastError = "this node is partitioned (fault injection)";
            entry.Answer(new ConnectOutcome(ConnectStatus.Unavailable, entry.Address, entry.LastError));
            _dials.Failed(entry, _node.Time.GetUtcNow(), _node.Random.NextDouble());
            return;
        }

        entry.Dialing = true;
        DialScheduler.Dialing(entry);
        var address = entry.Address;
        var origin = entry.Origin;
        var parent = Activity.Current?.Context ?? default;
        _node.Supervisor.Run(
            "dial",
            async cancellationToken =>
            {
                DialAttempt attempt;
                try
                {
                    attempt = await _dialer.DialAsync(address, origin, this, parent, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    attempt = new DialAttempt.Failed("the node is stopping");
                }

                Post(new DialEnded(entry, attempt));
            },
            onFault: ex => Post(new DialEnded(entry, new DialAttempt.Failed($"the dial failed inside this node ({ex.GetType().Name})"))));
    }

    private void Dialed(PeerEntry entry, DialAttempt attempt)
    {
        entry.Dialing = false;
        var current = _peers.GetValueOrDefault(entry.Address.Key) == entry;
        switch (attempt)
        {
            case DialAttempt.Opened opened when current && opened.Link.PeerAddress is { } advertised && advertised.Key != entry.Address.Key:
                // Dialed under another name than the one the peer gives (localhost for 127.0.0.1, another interface): it is
                // kept under its own address, and whoever asked for this one gets the answer.
                _peers.Remove(entry.Address.Key);
                // Linked already, or a moment ago: the acceptor keeps the newer of two links from one dialer, so the one this
                // dial replaces may have closed just before this event.
                var linked = opened.Link.Kind == LinkKind.Peer
                    && (_byPeerId.ContainsKey(opened.Link.PeerId) || _peers.Values.Any(e => e.NodeId == opened.Link.PeerId));
                var registered = Register(opened.Link, entry.Origin);
                entry.Answer(linked ? new ConnectOutcome(ConnectStatus.AlreadyConnected, entry.Address)
                    : registered is null ? new ConnectOutcome(ConnectStatus.Connected, entry.Address)
                    : new ConnectOutcome(ConnectStatus.Refused, entry.Address, registered));
                return;
            case DialAttempt.Opened opened when current:
                if (Register(opened.Link, entry.Origin) is not null && entry.Wanted)
                {
                    _dials.Failed(entry, _node.Time.GetUtcNow(), _node.Random.NextDouble());
                }

                return;
            case DialAttempt.Opened opened:
                // Forgotten while dialing (disconnected by request).
                opened.Link.Refuse(LinkCloseKind.Requested, "disconnected by request");
                return;
            case DialAttempt.Self:
                Log.PeerSkipped(_logger, entry.Address.ToString(), "that address is this node itself");
                if (current)
                {
                    _peers.Remove(entry.Address.Key);
                }

                entry.Answer(new ConnectOutcome(ConnectStatus.Self, entry.Address, "that address is this node itself"));
                return;
            case DialAttempt.Refused refused:
                entry.LastError = $"refused ({refused.Status}): {refused.Reason}";
                Log.PeerRefused(_logger, entry.Address.ToString(), refused.Status, refused.Reason);
                entry.Answer(new ConnectOutcome(ConnectStatus.Refused, entry.Address, refused.Reason));
                if (current && refused.Alternatives is { Count: > 0 } alternatives)
                {
                    TakeAlternatives(entry, alternatives);
                }

                break;
            case DialAttempt.Failed:
                // The detail (connection refused, an HTTP answer, a timeout) goes to the log; answers say one thing for all.
                entry.LastError = DialAttempt.Unreachable;
                entry.Answer(new ConnectOutcome(ConnectStatus.Unreachable, entry.Address, DialAttempt.Unreachable));
                break;
        }

        var detail = attempt is DialAttempt.Failed failed ? failed.Error : entry.LastError ?? "unknown error";
        if (current && entry.Wanted)
        {
            var delay = _dials.Failed(entry, _node.Time.GetUtcNow(), _node.Random.NextDouble());
            Log.PeerConnectFailed(_logger, entry.Address.ToString(), entry.Attempts, (long)delay.TotalMilliseconds, detail);
        }
        else
        {
            Log.PeerSkipped(_logger, entry.Address.ToString(), $"not dialed again after: {detail}");
            if (current)
            {
                _peers.Remove(entry.Address.Key);
            }
        }
    }

    /// <summary>
    /// A full peer named others. They become candidates for peer exchange; if the full one is a bootstrap peer (or stands
    /// in for one) one of them is dialed now in its place, whatever the target (within the dial rate): the bootstrap peer
    /// is how this node (and whoever joins through it) reaches the rest of the network.
    /// </summary>
    private void TakeAlternatives(PeerEntry full, IReadOnlyList<PeerAddress> alternatives)
    {
        full.Full = true;
        var usable = _exchange.Learn(alternatives, _node.Local.Address);
        if (full.Origin != PeerOrigin.Bootstrap && !full.StandIn)
        {
            return;
        }

        if (_peers.Values.Any(e => e.StandIn && (e.Link is not null || e.Dialing)))
        {
            return;
        }

        if (DialFresh(usable, Math.Min(_node.Options.TargetPeers, _node.Options.MaxPeers)) is { } standIn)
        {
            standIn.StandIn = true;
        }
    }

    /// <summary>
    /// Makes an open link count: one link per peer node (a duplicate from a simultaneous dial loses), within its budget.
    /// Returns why it was not taken (a duplicate that lost, the budget, the node stopping), or null when it was.
    /// </summary>
    private string? Register(Link link, PeerOrigin? origin)
    {
        if (_stopping)
        {
            link.Refuse(LinkCloseKind.Stopping, "the node is stopping");
            return "the node is stopping";
        }

        if (link.Kind == LinkKind.Peer && _byPeerId.TryGetValue(link.PeerId, out var existing))
        {
            if (!KeepNew(existing, link))
            {
                _node.Telemetry.Link("duplicate");
                link.Refuse(LinkCloseKind.Requested, "already linked to this node");
                AttachToPeer(existing, origin, link.PeerAddress);
                return null;
            }

            existing.Close(LinkCloseKind.Requested, "replaced by a newer link to the same node");
            // The peer's entry follows the link that stays: the one closing must neither re-dial it nor drop it from the table.
            if (link.PeerAddress is { } address && _peers.GetValueOrDefault(address.Key) is { } replaced && replaced.Link == existing)
            {
                replaced.Link = null;
            }
        }
        else if (_capacity.Problem(_links.Values, link.Kind, link.Direction) is { } capacity)
        {
            _node.Telemetry.Link("refused", "capacity");
            link.Refuse(LinkCloseKind.Requested, capacity);
            if (link.PeerAddress is { } full && _peers.GetValueOrDefault(full.Key) is { } entry)
            {
                entry.LastError = $"not linked: {capacity}";
                entry.Answer(new ConnectOutcome(ConnectStatus.Refused, full, entry.LastError));
            }

            return capacity;
        }

        _links[link.Id] = link;
        if (link.Kind == LinkKind.Peer)
        {
            _byPeerId[link.PeerId] = link;
            _antiEntropy.Opened(link.Id, _node.Time.GetUtcNow());
        }

        _node.Links.Replace([.. _links.Values]);
        AttachToPeer(link, origin, link.PeerAddress);
        link.Start();
        _node.Telemetry.Link("opened", link.Kind.ToString());
        Log.LinkOpened(_logger, Describe(link), link.Kind.ToString(), link.Direction.ToString());
        return null;
    }

    /// <summary>
    /// Between two links to one node, both sides keep the same one: the link dialed by the smaller node id; between two
    /// dialed the same way, the newer (the older one is a leftover the peer has already given up on).
    /// </summary>
    private bool KeepNew(Link existing, Link candidate)
    {
        var self = _node.Local.Id;
        NodeId DialerOf(Link l) => l.Direction == LinkDirection.Outbound ? self : l.PeerId;
        var preferred = self < candidate.PeerId ? self : candidate.PeerId;
        var existingDialer = DialerOf(existing);
        var candidateDialer = DialerOf(candidate);
        return existingDialer == candidateDialer || candidateDialer == preferred;
    }

    private void AttachToPeer(Link link, PeerOrigin? origin, PeerAddress? address)
    {
        if (address is not { } known)
        {
            return;
        }

        if (!_peers.TryGetValue(known.Key, out var entry))
        {
            entry = new PeerEntry(known, origin ?? PeerOrigin.Inbound);
            _peers[known.Key] = entry;
        }
        else if (origin is { } wanted && wanted != PeerOrigin.Inbound && !entry.Wanted)
        {
            // Asked for (under another of its addresses) after it dialed us: from now on this node keeps it linked.
            entry.Origin = wanted;
        }

        // A tutorial node has two links (ours to it, its own to us); the table shows the one that matters to it.
        if (entry.Link is not null && entry.Link != link && _links.ContainsKey(entry.Link.Id) && link.Kind != LinkKind.TutorialSend)
        {
            return;
        }

        var now = _node.Time.GetUtcNow();
        entry.Link = link;
        entry.NodeId = link.PeerId;
        entry.Name = link.PeerName;
        entry.Since = now;
        entry.Full = false;
        entry.LastError = null;
        DialScheduler.Linked(entry, now);
        entry.Answer(new ConnectOutcome(ConnectStatus.Connected, known));
    }

    private void Ended(Link link, LinkClose close)
    {
        Forget(link, close);

        // Answered once the link is out of the open links: a GET right after the answer no longer lists it.
        foreach (var pending in _disconnects.Values.ToList())
        {
            if (pending.Links.Remove(link.Id) && pending.Links.Count == 0)
            {
                FinishDisconnect(pending.Id);
            }
        }
    }

    private void Forget(Link link, LinkClose close)
    {
        if (!_links.Remove(link.Id))
        {
            return;
        }

        _antiEntropy.Closed(link.Id);
        if (_byPeerId.TryGetValue(link.PeerId, out var current) && current == link)
        {
            _byPeerId.Remove(link.PeerId);
        }

        _node.Links.Replace([.. _links.Values]);
        _node.Telemetry.Link("closed", close.Tag);
        Log.LinkClosed(_logger, Describe(link), close.Detail);
        if (close.Kind == LinkCloseKind.Misbehaving)
        {
            var until = Penalties.Hold(PenaltyBox.KeyOf(link.PeerId, link.Remote));
            Log.PeerPenalized(_logger, Describe(link), until);
        }

        var entry = link.PeerAddress is { } address ? _peers.GetValueOrDefault(address.Key) : null;
        if (entry?.Link != link)
        {
            return;
        }

        entry.Link = null;
        entry.LastError = close.Detail;
        if (!entry.Wanted || _stopping)
        {
            _peers.Remove(entry.Address.Key);
            return;
        }

        _dials.Closed(entry, _node.Time.GetUtcNow(), _node.Random.NextDouble());
    }

    private void DisconnectEverything(Waiter<int> waiter)
    {
        var closing = _links.Values.ToList();
        foreach (var link in closing)
        {
            link.Close(LinkCloseKind.Requested, "disconnected by request");
        }

        // Peers named at start stay wanted: they are re-dialed, so "disconnect all" is a blip the network heals from
        // (a lasting cut is a partition). Every other peer is forgotten, and whoever waited for its dial is told so.
        foreach (var entry in _peers.Values.Where(e => e.Origin != PeerOrigin.Bootstrap).ToList())
        {
            _peers.Remove(entry.Address.Key);
            entry.Answer(new ConnectOutcome(ConnectStatus.Cancelled, entry.Address, "the dial was abandoned: this node disconnected from its peers by request"));
        }

        AnswerOnceClosed(closing, () => waiter.Answer(closing.Count));
    }

    private void DisconnectOne(PeerAddress address, Waiter<bool> waiter)
    {
        var known = _peers.Remove(address.Key, out var entry);
        entry?.Answer(new ConnectOutcome(ConnectStatus.Cancelled, address, "the dial was abandoned: this peer was disconnected by request"));
        var closing = _links.Values.Where(l => l == entry?.Link || l.PeerAddress?.Key == address.Key).ToList();
        foreach (var link in closing)
        {
            link.Close(LinkCloseKind.Requested, "disconnected by request");
        }

        AnswerOnceClosed(closing, () => waiter.Answer(known || closing.Count > 0));
    }

    private void Stop(Waiter<int> waiter)
    {
        _stopping = true;
        var closing = _links.Values.ToList();
        foreach (var link in closing)
        {
            link.Close(LinkCloseKind.Stopping, "the node is stopping");
        }

        foreach (var entry in _peers.Values)
        {
            entry.Answer(new ConnectOutcome(ConnectStatus.Unavailable, entry.Address, "the node is stopping"));
        }

        AnswerOnceClosed(closing, () => waiter.Answer(closing.Count));
    }

    /// <summary>
    /// Answers once the links have ended and left the open links (a GET right after the answer no longer lists them), or
    /// after <see cref="DisconnectWait"/>.
    /// </summary>
    private void AnswerOnceClosed(List<Link> closing, Action answer)
    {
        var pending = new PendingDisconnect(++_nextDisconnect, [.. closing.Select(l => l.Id).Where(_links.ContainsKey)], answer);
        if (pending.Links.Count == 0)
        {
            answer();
            return;
        }

        pending.Deadline = _node.Time.CreateTimer(
            static state => { var (loop, id) = ((MeshLoop, long))state!; loop.Post(new DisconnectDeadline(id)); },
            (this, pending.Id), DisconnectWait, Timeout.InfiniteTimeSpan);
        _disconnects[pending.Id] = pending;
    }

    private void FinishDisconnect(long id)
    {
        if (_disconnects.Remove(id, out var pending))
        {
            pending.Deadline?.Dispose();
            pending.Answer();
        }
    }

    private void LearnPeers(HeartbeatMessage heartbeat)
    {
        if (_node.Options.TargetPeers > 0)
        {
            _exchange.Learn(heartbeat.Peers, _node.Local.Address);
        }
    }

    private void DialBack(HandshakeMessage handshake)
    {
        _node.Telemetry.Link("handshake");
        // A tutorial node sends records only on links it dialed; ours go to it on a link we dial back.
        if (!_links.Values.Any(l => l.Kind == LinkKind.TutorialSend && l.PeerAddress?.Key == handshake.Address.Key))
        {
            Want(handshake.Address, PeerOrigin.ConnectBack, waiter: null);
        }
    }

    private void Tick()
    {
        var now = _node.Time.GetUtcNow();
        _dials.Refill(now);
        foreach (var entry in _peers.Values)
        {
            _dials.Settle(entry, now);
        }

        Heartbeats(now);
        Redials(now);
        Exchange();
        if (_node.Store.Failure is { } failure)
        {
            // The log's writer cannot write: nothing more can be kept. Fail stop; a restart recovers from the durable log.
            _node.Failure.Fail("record log", $"the record log cannot write: {FailureText.Describe(failure)}", failure);
        }
    }

    private void Heartbeats(DateTimeOffset now)
    {
        var (digest, records) = (_node.Store.Digest, _node.Store.Count);
        var peerLinks = _links.Values.Where(l => l.Kind == LinkKind.Peer).ToList();
        foreach (var link in peerLinks)
        {
            var silent = now - link.LastHeard;
            if (silent > _node.Options.HeartbeatTimeout)
            {
                _node.Telemetry.PeerTimedOut();
                Log.PeerSilent(_logger, Describe(link), (long)silent.TotalMilliseconds, (long)_node.Options.HeartbeatTimeout.TotalMilliseconds);
                link.Close(LinkCloseKind.Silent, $"silent for {silent.TotalSeconds:0.0} s (heartbeat timeout {_node.Options.HeartbeatTimeout.TotalSeconds:0.#} s)");
                continue;
            }

            // A few of our other peers' addresses: peer exchange.
            var others = peerLinks.Where(l => l != link && l.PeerAddress is not null).Select(l => l.PeerAddress!.Value)
                .OrderBy(_ => _node.Random.Next()).Take(WireProtocol.MaxExchangedPeers).ToList();
            link.SendControl(MessageCodec.EncodeHeartbeat(digest, records, link.Lag, link.ReceivedRecords, others));

            switch (_antiEntropy.Due(link.Id, now, link.PeerDigest != digest))
            {
                case VectorDue.Full:
                    link.RequestVector(full: true);
                    break;
                case VectorDue.Delta:
                    link.RequestVector(full: false);
                    break;
            }
        }
    }

    private void Redials(DateTimeOffset now)
    {
        foreach (var entry in _peers.Values.Where(e => DialScheduler.IsDue(e, now)).ToList())
        {
            if (!_dials.TryTake())
            {
                break;
            }

            StartDial(entry);
        }
    }

    /// <summary>Arms the re-dial timer for a re-dial due before the next tick (re-dials otherwise happen on ticks).</summary>
    private void ArmRedialTimer()
    {
        if (_redialTimer is null || DialScheduler.NextDue(_peers.Values) is not { } due || due == _redialArmedFor)
        {
            return;
        }

        // Overdue re-dials (no dial token left) wait for the tick, which refills the tokens.
        var wait = due - _node.Time.GetUtcNow();
        if (wait > TimeSpan.Zero && wait < _node.Options.HeartbeatInterval)
        {
            _redialArmedFor = due;
            _redialTimer.Change(wait, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Peer exchange: while fewer than the target number of peers are linked, dial one more learned from the others.</summary>
    private void Exchange()
    {
        var target = Math.Min(_node.Options.TargetPeers, _node.Options.MaxPeers);
        if (target <= 0)
        {
            return;
        }

        var linked = _byPeerId.Count + _peers.Values.Count(e => e.Dialing);
        if (linked < target)
        {
            DialFresh(_exchange.Candidates, target);
        }
    }

    /// <summary>
    /// Dials one address of <paramref name="pool"/> this node has no entry for, picked at random, when the dial rate
    /// (P2P:DialsPerSecond) allows; the new entry, or null.
    /// </summary>
    private PeerEntry? DialFresh(IEnumerable<PeerAddress> pool, int target)
    {
        if (!_dials.TryTake())
        {
            return null;
        }

        if (_exchange.PickFresh(pool, _peers.ContainsKey, _node.Random) is not { } next)
        {
            return null;
        }

        Log.ExchangeDial(_logger, next.ToString(), _byPeerId.Count, target);
        Want(next, PeerOrigin.Exchange, waiter: null);
        return _peers.GetValueOrDefault(next.Key);
    }

    private void PublishSnapshot()
    {
        _changed = false;
        var peers = new List<PeerView>();
        foreach (var entry in _peers.Values)
        {
            var link = entry.Link;
            peers.Add(new PeerView(
                entry.Address.ToString(), entry.Address.WebSocketUrl, link is { Kind: LinkKind.Peer } ? link.PeerId.ToString() : null,
                entry.Name, entry.State, (link?.Direction ?? LinkDirection.Outbound).ToString(), entry.Origin, (link?.Kind ?? LinkKind.Peer).ToString(),
                link?.OpenedAt ?? entry.Since, entry.Attempts, entry.LastError, entry.NextAttemptAt,
                link?.Lag ?? 0, link?.SentRecords ?? 0, link?.ReceivedRecords ?? 0, link?.Rejected ?? 0));
        }

        // Inbound links from tutorial nodes that never said where they listen have no entry: show them too.
        foreach (var link in _links.Values.Where(l => l.PeerAddress is null))
        {
            peers.Add(new PeerView(
                link.Remote, string.Empty, null, null, PeerState.Connected, link.Direction.ToString(), PeerOrigin.Inbound, link.Kind.ToString(),
                link.OpenedAt, 0, null, null, link.Lag, link.SentRecords, link.ReceivedRecords, link.Rejected));
        }

        var health = _health.Evaluate(_faults?.PartitionedUntil, _peers.Values, _links.Values, _byPeerId.Count, _node.Time.GetUtcNow());
        Volatile.Write(ref _snapshot, new MeshSnapshot(peers, health));
    }

    private static string Describe(Link link) =>
        link.PeerName ?? link.PeerAddress?.ToString() ?? (link.PeerId.IsNone ? link.Remote : link.PeerId.Abbreviated);

    /// <summary>A disconnect (or the stop) waiting for its links to end.</summary>
    private sealed class PendingDisconnect(long id, HashSet<long> links, Action answer)
    {
        public long Id { get; } = id;

        public HashSet<long> Links { get; } = links;

        public Action Answer { get; } = answer;

        public ITimer? Deadline { get; set; }
    }
}
