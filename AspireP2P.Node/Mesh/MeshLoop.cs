using System.Diagnostics;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// The one owner of mesh state: the peer table, the open links, the candidates learned by peer exchange and each link's
/// anti-entropy schedule. Everything that changes them is an event on one channel, handled in order by one loop (as
/// go-libp2p-pubsub's processLoop does); everyone else reads the snapshots it publishes (<see cref="Snapshot"/>,
/// <see cref="NodeContext.Links"/>). Dials run as tasks whose outcome comes back as an event. A heartbeat tick drives
/// liveness (a peer silent past the timeout is dropped), heartbeats, anti-entropy and re-dials.
/// <para>The simulator runs this code on one deterministic thread, so the core keeps three rules: time only from
/// <see cref="NodeContext.Time"/> and randomness only from <see cref="NodeContext.Random"/>; no Task.Run, ConfigureAwait(false)
/// or CancelAsync (they hop to the thread pool); no TaskCompletionSource with RunContinuationsAsynchronously (awaiting one
/// with a timeout completes on the thread pool).</para>
/// </summary>
public sealed class MeshLoop : ILinkEvents, IAsyncDisposable
{
    private readonly NodeContext _node;
    private readonly Dialer _dialer;
    private readonly NetworkFaults? _faults;
    private readonly DialPolicy _policy;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentQueue<Action> _events = new();
    private readonly AsyncSignal _wake = new();
    private bool _completed;
    private readonly CancellationTokenSource _stopping = new();

    // Loop-owned state.
    private readonly Dictionary<string, PeerEntry> _peers = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Link> _links = [];
    private readonly Dictionary<NodeId, Link> _byPeerId = [];
    private readonly Dictionary<string, PeerAddress> _candidates = new(StringComparer.Ordinal);
    private readonly Dictionary<long, (DateTimeOffset LastVector, DateTimeOffset LastFull)> _sync = [];
    private double _dialTokens;
    private DateTimeOffset _lastTick;
    private DateTimeOffset? _degradedSince;
    private Task _run = Task.CompletedTask;
    private int _disposed;

    private MeshSnapshot _snapshot = MeshSnapshot.Empty;
    private bool _changed;
    private bool _reportedStoreFailure;

    public MeshLoop(NodeContext node, Dialer dialer, NetworkFaults? faults, DialPolicy policy)
    {
        _node = node;
        _dialer = dialer;
        _faults = faults;
        _policy = policy;
        _logger = node.Logs.CreateLogger<MeshLoop>();
        _dialTokens = node.Options.DialsPerSecond;
        if (faults is not null)
        {
            faults.Changed += () => Post(PublishSnapshot);
        }
    }

    /// <summary>The mesh as of its last change.</summary>
    public MeshSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Starts the loop and its tick. The simulator starts it on its own scheduler.</summary>
    public void Start()
    {
        _lastTick = _node.Time.GetUtcNow();
        _run = Task.WhenAll(RunAsync(_stopping.Token), TickAsync(_stopping.Token));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var wakeOnStop = cancellationToken.Register(static state => ((AsyncSignal)state!).Set(), _wake);
        while (!cancellationToken.IsCancellationRequested && !Volatile.Read(ref _completed))
        {
            await _wake.WaitAsync();
            while (!cancellationToken.IsCancellationRequested && _events.TryDequeue(out var handle))
            {
                try
                {
                    handle();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One failed event must not stop the loop that owns every link: the node would stay up, linked to
                    // nobody, and never say why. Logged with its stack, counted; the next event and tick go on.
                    _node.Telemetry.MeshEventFailed();
                    Log.MeshEventFailed(_logger, ex);
                }
            }

            if (_changed)
            {
                PublishSnapshot();
            }
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_node.Options.HeartbeatInterval, _node.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Post(Tick);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Queues an event for the loop; most change the peer table or links, so the snapshot is rebuilt after them.</summary>
    private void Post(Action handle) => Post(handle, changes: true);

    private void Post(Action handle, bool changes)
    {
        _events.Enqueue(changes ? () =>
        {
            _changed = true;
            handle();
        } : handle);
        _wake.Set();
    }

    // ---------------------------------------------------------------- requests from outside (any thread)

    /// <summary>The peers named at start (<c>--peers</c>): kept linked for as long as the node runs.</summary>
    public void Bootstrap(IEnumerable<PeerAddress> addresses)
    {
        foreach (var address in addresses)
        {
            Post(() => Want(address, PeerOrigin.Bootstrap, waiter: null));
        }
    }

    /// <summary>POST /peer and the tutorial's dial-back: answers once the link is up, refused, or failed.</summary>
    public Task<ConnectOutcome> ConnectAsync(PeerAddress address, PeerOrigin origin, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<ConnectOutcome>();
        Post(() => Want(address, origin, waiter));
        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Closes every link and forgets every peer this node dialed; returns how many links were open, once they are closed.</summary>
    public Task<int> DisconnectAllAsync()
    {
        var done = new TaskCompletionSource<int>();
        Post(() =>
        {
            var closing = _links.Values.ToList();
            foreach (var link in closing)
            {
                link.Close("disconnected by request");
            }

            // Peers named at start stay wanted: they are re-dialed, so "disconnect all" is a blip the network heals from
            // (a lasting cut is a partition). Every other peer is forgotten.
            foreach (var entry in _peers.Values.Where(e => e.Origin != PeerOrigin.Bootstrap).ToList())
            {
                _peers.Remove(entry.Address.Key);
            }

            _ = AnswerOnceClosedAsync(closing, done, closing.Count);
        });
        return done.Task;
    }

    /// <summary>Closes the link to one peer and forgets it; false when it is not a known peer. Answers once the link is closed.</summary>
    public Task<bool> DisconnectAsync(PeerAddress address)
    {
        var done = new TaskCompletionSource<bool>();
        Post(() =>
        {
            var known = _peers.Remove(address.Key, out var entry);
            var closing = _links.Values.Where(l => l == entry?.Link || l.PeerAddress?.Key == address.Key).ToList();
            foreach (var link in closing)
            {
                link.Close("disconnected by request");
            }

            _ = AnswerOnceClosedAsync(closing, done, known || closing.Count > 0);
        });
        return done.Task;
    }

    /// <summary>
    /// Answers a disconnect once its links have ended and the loop has taken them out of the open links (their Closed
    /// events are posted before they end, so an answer posted after that is handled after them): a GET right after the
    /// answer no longer lists them.
    /// </summary>
    private async Task AnswerOnceClosedAsync<T>(List<Link> closing, TaskCompletionSource<T> done, T result)
    {
        try
        {
            await Task.WhenAll(closing.Select(l => l.Ended)).WaitAsync(TimeSpan.FromSeconds(5), _node.Time);
        }
        catch (TimeoutException)
        {
            // Answered anyway: the links are closing and leave the open links when they end.
        }

        if (Volatile.Read(ref _completed))
        {
            done.TrySetResult(result);
        }
        else
        {
            Post(() => done.TrySetResult(result), changes: false);
        }
    }

    /// <summary>
    /// Whether an upgrade from <paramref name="peer"/> should be refused now (read from the snapshot; the loop decides
    /// again). A full node names some of its peers to dial instead: without them a node whose only bootstrap peer is
    /// full, and every node that later joins through it, would make an island that never meets the rest.
    /// </summary>
    public (int Status, string Reason, IReadOnlyList<PeerAddress> Alternatives)? AdmissionProblem(NodeId peer)
    {
        // A second link from a node already linked is accepted: the loop keeps one of the two (see KeepNew).
        var links = _node.Links.Snapshot;
        if (links.Any(l => l.PeerId == peer) || CapacityProblem(links, LinkDirection.Inbound) is not { } full)
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

    /// <summary>
    /// Links others dial are capped below P2P:MaxPeers: a few slots stay for links this node dials
    /// itself (its bootstrap peers, peer exchange), so a node that others fill up can still reach the rest of the network.
    /// Without the reserve, the first node of a group that joined through it, refused by its own full bootstrap peer,
    /// ends with every slot taken by the group and the group is an island (seen in the simulator at 10,000 nodes).
    /// </summary>
    private string? CapacityProblem(IReadOnlyCollection<Link> links, LinkDirection direction)
    {
        var max = _node.Options.MaxPeers;
        if (links.Count >= max)
        {
            return $"this node already has its maximum of {max} links (P2P:MaxPeers)";
        }

        var reserved = Math.Min(Math.Max(_node.Options.TargetPeers, 1), max / 2);
        return direction == LinkDirection.Inbound && links.Count(l => l.Direction == LinkDirection.Inbound) >= max - reserved
            ? $"this node already has its maximum of {max - reserved} links dialed by others (P2P:MaxPeers {max}, {reserved} kept for its own dials)"
            : null;
    }

    /// <summary>An accepted link whose HELLO checked out (or a tutorial node's).</summary>
    public void Opened(Link link, PeerOrigin? origin) => Post(() => Register(link, origin));

    // ---------------------------------------------------------------- link events (from link readers)

    public void HeartbeatReceived(Link link, HeartbeatMessage heartbeat) => Post(changes: false, handle: () =>
    {
        if (_node.Options.TargetPeers <= 0)
        {
            return;
        }

        foreach (var address in heartbeat.Peers)
        {
            if (_candidates.Count >= MaxCandidates)
            {
                break;
            }

            if (address.Key != _node.Local.Address.Key && _policy.Allows(address))
            {
                _candidates.TryAdd(address.Key, address);
            }
        }
    });

    public void HandshakeReceived(Link link, HandshakeMessage handshake) => Post(() =>
    {
        _node.Telemetry.Link("handshake");
        // A tutorial node sends records only on links it dialed; ours go to it on a link we dial back.
        if (!_links.Values.Any(l => l.Kind == LinkKind.TutorialSend && l.PeerAddress?.Key == handshake.Address.Key))
        {
            Want(handshake.Address, PeerOrigin.ConnectBack, waiter: null);
        }
    });

    public void Closed(Link link, string reason) => Post(() =>
    {
        if (!_links.Remove(link.Id))
        {
            return;
        }

        _sync.Remove(link.Id);
        if (_byPeerId.TryGetValue(link.PeerId, out var current) && current == link)
        {
            _byPeerId.Remove(link.PeerId);
        }

        _node.Links.Replace([.. _links.Values]);
        _node.Telemetry.Link("closed", reason);
        Log.LinkClosed(_logger, Describe(link), reason);
        var entry = link.PeerAddress is { } address ? _peers.GetValueOrDefault(address.Key) : null;
        if (entry?.Link != link)
        {
            return;
        }

        entry.Link = null;
        entry.LastError = reason;
        if (!entry.Wanted)
        {
            _peers.Remove(entry.Address.Key);
            return;
        }

        entry.State = PeerState.Retrying;
        entry.Since = _node.Time.GetUtcNow();
        ScheduleRetry(entry, quick: true);
    });

    // ---------------------------------------------------------------- loop-only

    private const int MaxCandidates = 256;

    private void Want(PeerAddress address, PeerOrigin origin, TaskCompletionSource<ConnectOutcome>? waiter)
    {
        if (address.Key == _node.Local.Address.Key)
        {
            waiter?.TrySetResult(new ConnectOutcome(ConnectStatus.Self, address, "that address is this node itself"));
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
                waiter?.TrySetResult(new ConnectOutcome(ConnectStatus.AlreadyConnected, address));
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

        if (waiter is not null && _links.Count >= _node.Options.MaxPeers)
        {
            waiter.TrySetResult(new ConnectOutcome(ConnectStatus.Refused, address, $"this node already has its maximum of {_node.Options.MaxPeers} links (P2P:MaxPeers)"));
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
            Finish(entry, new ConnectOutcome(ConnectStatus.Failed, entry.Address, "this node is partitioned (fault injection)"));
            ScheduleRetry(entry, quick: false);
            return;
        }

        entry.Dialing = true;
        entry.Attempts++;
        entry.NextAttemptAt = null;
        entry.State = entry.Attempts == 1 ? PeerState.Connecting : PeerState.Retrying;
        var address = entry.Address;
        var origin = entry.Origin;
        var parent = Activity.Current?.Context ?? default;
        _ = Dial();

        async Task Dial()
        {
            DialAttempt attempt;
            try
            {
                attempt = await _dialer.DialAsync(address, origin, this, parent, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Post(() => Dialed(entry, attempt));
        }
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
                Finish(entry, linked ? new ConnectOutcome(ConnectStatus.AlreadyConnected, entry.Address)
                    : registered ? new ConnectOutcome(ConnectStatus.Connected, entry.Address)
                    : new ConnectOutcome(ConnectStatus.Refused, entry.Address, $"this node already has its maximum of {_node.Options.MaxPeers} links (P2P:MaxPeers)"));
                return;
            case DialAttempt.Opened opened when current:
                Register(opened.Link, entry.Origin);
                return;
            case DialAttempt.Opened opened:
                // Forgotten while dialing (disconnected by request).
                _ = opened.Link.AbandonAsync("disconnected by request");
                return;
            case DialAttempt.Self:
                Log.PeerSkipped(_logger, entry.Address.ToString(), "that address is this node itself");
                _peers.Remove(entry.Address.Key);
                Finish(entry, new ConnectOutcome(ConnectStatus.Self, entry.Address, "that address is this node itself"));
                return;
            case DialAttempt.Refused refused:
                entry.LastError = $"refused ({refused.Status}): {refused.Reason}";
                Log.PeerRefused(_logger, entry.Address.ToString(), refused.Status, refused.Reason);
                Finish(entry, new ConnectOutcome(ConnectStatus.Refused, entry.Address, refused.Reason));
                if (current && refused.Alternatives is { Count: > 0 } alternatives)
                {
                    TakeAlternatives(entry, alternatives);
                }

                break;
            case DialAttempt.Failed failed:
                entry.LastError = failed.Error;
                Finish(entry, new ConnectOutcome(ConnectStatus.Failed, entry.Address, failed.Error));
                break;
        }

        if (current && entry.Wanted)
        {
            ScheduleRetry(entry, quick: false);
        }
        else
        {
            _peers.Remove(entry.Address.Key);
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
        var usable = alternatives.Where(a => a.Key != _node.Local.Address.Key && _policy.Allows(a)).ToList();
        foreach (var address in usable)
        {
            if (_candidates.Count < MaxCandidates)
            {
                _candidates.TryAdd(address.Key, address);
            }
        }

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

    private void ScheduleRetry(PeerEntry entry, bool quick)
    {
        var delay = quick
            ? _node.Options.ReconnectMinDelay
            : Backoff.Delay(entry.Attempts, _node.Options.ReconnectMinDelay, _node.Options.ReconnectMaxDelay, _node.Random.NextDouble());
        entry.State = PeerState.Retrying;
        entry.NextAttemptAt = _node.Time.GetUtcNow() + delay;
        if (!quick)
        {
            Log.PeerConnectFailed(_logger, entry.Address.ToString(), entry.Attempts, (long)delay.TotalMilliseconds, entry.LastError ?? "unknown error");
        }

        // Re-dials happen on ticks; a short delay gets a timer of its own so a dropped link comes back fast.
        if (delay < _node.Options.HeartbeatInterval)
        {
            _ = RetrySoon(entry, delay);
        }
    }

    private async Task RetrySoon(PeerEntry entry, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _node.Time, _stopping.Token);
            Post(() =>
            {
                if (_peers.GetValueOrDefault(entry.Address.Key) == entry && entry.Link is null && !entry.Dialing && entry.NextAttemptAt <= _node.Time.GetUtcNow())
                {
                    StartDial(entry);
                }
            });
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static void Finish(PeerEntry entry, ConnectOutcome outcome)
    {
        foreach (var waiter in entry.Waiters)
        {
            waiter.TrySetResult(outcome);
        }

        entry.Waiters.Clear();
    }

    /// <summary>
    /// Makes an open link count: one link per peer node (a duplicate from a simultaneous dial loses), within the cap.
    /// False when the link was not taken (a duplicate that lost, the cap, the node stopping).
    /// </summary>
    private bool Register(Link link, PeerOrigin? origin)
    {
        if (_stopping.IsCancellationRequested)
        {
            _ = link.AbandonAsync("the node is stopping");
            return false;
        }

        if (link.Kind == LinkKind.Peer && _byPeerId.TryGetValue(link.PeerId, out var existing))
        {
            if (!KeepNew(existing, link))
            {
                _node.Telemetry.Link("duplicate");
                _ = link.AbandonAsync("already linked to this node");
                AttachToPeer(existing, origin, link.PeerAddress);
                return false;
            }

            existing.Close("replaced by a newer link to the same node");
            // The peer's entry follows the link that stays: the one closing must neither re-dial it nor drop it from the table.
            if (link.PeerAddress is { } address && _peers.GetValueOrDefault(address.Key) is { } replaced && replaced.Link == existing)
            {
                replaced.Link = null;
            }
        }
        else if (CapacityProblem(_links.Values, link.Direction) is { } capacity)
        {
            _node.Telemetry.Link("refused", "capacity");
            _ = link.AbandonAsync(capacity);
            if (link.PeerAddress is { } full && _peers.GetValueOrDefault(full.Key) is { } entry)
            {
                entry.LastError = $"not linked: {capacity}";
                Finish(entry, new ConnectOutcome(ConnectStatus.Refused, full, entry.LastError));
            }

            return false;
        }

        _links[link.Id] = link;
        if (link.Kind == LinkKind.Peer)
        {
            _byPeerId[link.PeerId] = link;
            var now = _node.Time.GetUtcNow();
            _sync[link.Id] = (now, now);
        }

        _node.Links.Replace([.. _links.Values]);
        AttachToPeer(link, origin, link.PeerAddress);
        link.Start();
        _node.Telemetry.Link("opened", link.Kind.ToString());
        Log.LinkOpened(_logger, Describe(link), link.Kind.ToString(), link.Direction.ToString());
        return true;
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

        if (entry.Link is not null && entry.Link != link && _links.ContainsKey(entry.Link.Id))
        {
            // A tutorial node has two links (ours to it, its own to us); the table shows the one that matters to it.
            if (!(link.Kind == LinkKind.TutorialSend))
            {
                return;
            }
        }

        entry.Link = link;
        entry.NodeId = link.PeerId;
        entry.Name = link.PeerName;
        entry.State = PeerState.Connected;
        entry.Since = _node.Time.GetUtcNow();
        entry.Attempts = 0;
        entry.Full = false;
        entry.LastError = null;
        entry.NextAttemptAt = null;
        Finish(entry, new ConnectOutcome(ConnectStatus.Connected, known));
    }

    private void Tick()
    {
        var now = _node.Time.GetUtcNow();
        var elapsed = (now - _lastTick).TotalSeconds;
        _lastTick = now;
        _dialTokens = Math.Min(_node.Options.DialsPerSecond, _dialTokens + (elapsed * _node.Options.DialsPerSecond));
        Heartbeats(now);
        Redials(now);
        Exchange();
        if (!_reportedStoreFailure && _node.Store.Failure is { } failure)
        {
            // Logged once: from now on POST /record answers 503 and /health Unhealthy, each with the reason.
            _reportedStoreFailure = true;
            Log.StoreFailed(_logger, failure.Message);
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
                link.Close($"silent for {silent.TotalSeconds:0.0} s (heartbeat timeout {_node.Options.HeartbeatTimeout.TotalSeconds:0.#} s)");
                continue;
            }

            // A few of our other peers' addresses: peer exchange.
            var others = peerLinks.Where(l => l != link && l.PeerAddress is not null).Select(l => l.PeerAddress!.Value)
                .OrderBy(_ => _node.Random.Next()).Take(WireProtocol.MaxExchangedPeers).ToList();
            link.SendControl(MessageCodec.EncodeHeartbeat(digest, records, link.Lag, link.ReceivedRecords, others));

            // Anti-entropy: compare vectors when digests differ, and on a fixed schedule whatever they say.
            var (lastVector, lastFull) = _sync.GetValueOrDefault(link.Id, (now, now));
            if (now - lastFull >= _node.Options.FullSyncInterval)
            {
                link.RequestVector(full: true);
                _sync[link.Id] = (now, now);
            }
            else if (link.PeerDigest != digest && now - lastVector >= _node.Options.AntiEntropyInterval)
            {
                link.RequestVector(full: false);
                _sync[link.Id] = (now, lastFull);
            }
        }
    }

    private void Redials(DateTimeOffset now)
    {
        foreach (var entry in _peers.Values.Where(e => e.Link is null && !e.Dialing && e.Wanted && e.NextAttemptAt <= now).ToList())
        {
            if (_dialTokens < 1)
            {
                break;
            }

            _dialTokens--;
            StartDial(entry);
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
            DialFresh(_candidates.Values, target);
        }
    }

    /// <summary>
    /// Dials one address of <paramref name="pool"/> this node has no entry for, picked at random, when the dial rate
    /// (P2P:DialsPerSecond) allows; the new entry, or null.
    /// </summary>
    private PeerEntry? DialFresh(IEnumerable<PeerAddress> pool, int target)
    {
        if (_dialTokens < 1)
        {
            return null;
        }

        var fresh = pool.Where(a => !_peers.ContainsKey(a.Key)).ToList();
        if (fresh.Count == 0)
        {
            return null;
        }

        var next = fresh[_node.Random.Next(fresh.Count)];
        _candidates.Remove(next.Key);
        _dialTokens--;
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

        Volatile.Write(ref _snapshot, new MeshSnapshot(peers, Health()));
    }

    /// <summary>Degraded while a peer named at start is not linked (unless it is full and this node is linked elsewhere), while records cannot reach this node, or while it is partitioned.</summary>
    private MeshHealth Health()
    {
        string? reason = null;
        if (_faults?.PartitionedUntil is { } until)
        {
            reason = $"partitioned by fault injection until {until:HH:mm:ss}";
        }
        else if (_peers.Values.FirstOrDefault(e => e.Origin == PeerOrigin.Bootstrap && e.Link is null && e.State != PeerState.Connected
                     && !(e.Full && _byPeerId.Count > 0)) is { } missing)
        {
            reason = $"bootstrap peer {missing.Address} is not linked ({missing.LastError ?? "dialing"})";
        }
        else if (_links.Count > 0 && !_links.Values.Any(l => l.CarriesRecordsIn))
        {
            reason = "records cannot reach this node: it has only links it sends on";
        }

        if (reason is null)
        {
            _degradedSince = null;
            return new MeshHealth(false, null, null);
        }

        _degradedSince ??= _node.Time.GetUtcNow();
        return new MeshHealth(true, reason, _degradedSince);
    }

    private static string Describe(Link link) =>
        link.PeerName ?? link.PeerAddress?.ToString() ?? (link.PeerId.IsNone ? link.Remote : link.PeerId.Abbreviated);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var closed = new TaskCompletionSource();
        Post(() =>
        {
            foreach (var link in _links.Values.ToList())
            {
                link.Close("the node is stopping");
            }

            closed.TrySetResult();
        });
        try
        {
            await closed.Task.WaitAsync(TimeSpan.FromSeconds(2), _node.Time);
            await Task.WhenAll(_node.Links.Snapshot.Select(l => l.Ended)).WaitAsync(TimeSpan.FromSeconds(2), _node.Time);
        }
        catch (TimeoutException)
        {
            // Links that do not end in time are cut when the process ends.
        }

        Volatile.Write(ref _completed, true);
        _stopping.Cancel();
        await _run;
        _stopping.Dispose();
    }
}
