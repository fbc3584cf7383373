using System.Diagnostics;
using System.Net.WebSockets;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Peers;

public enum PeerState
{
    Connecting,
    Connected,
    Retrying,
}

public enum ConnectStatus
{
    Connected,
    AlreadyConnected,
    Pending,
    Self,
    Failed,
}

public readonly record struct ConnectOutcome(ConnectStatus Status, PeerAddress Address, string? Error = null);

/// <summary>
/// The peer table: sole owner of every outbound link. It dials, refuses self-links and duplicate links
/// (by address and by node id), and keeps each known peer connected, re-dialing with capped back-off
/// when a link drops or a peer cannot be reached yet.
/// </summary>
public sealed class PeerManager : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PeerEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PeerAddress> _candidates = new(StringComparer.Ordinal);

    /// <summary>The open links, replaced (never changed) whenever a link opens or closes.</summary>
    private PeerLink[] _open = [];
    private readonly NodeIdentity _identity;
    private readonly RecordStore _store;
    private readonly NodeOptions _options;
    private readonly NodeTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<PeerManager> _logger;
    private readonly CancellationTokenSource _stopping = new();

    public PeerManager(NodeIdentity identity, RecordStore store, IOptions<NodeOptions> options, NodeTelemetry telemetry, TimeProvider time, ILogger<PeerManager> logger)
    {
        _identity = identity;
        _store = store;
        _options = options.Value;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        telemetry.Meter.CreateObservableGauge("p2p.peers.connected", () => ConnectedCount, "{peer}", "Peers this node has an open link to.");
        telemetry.Meter.CreateObservableGauge("p2p.records.stored", () => store.Count, "{record}", "Records this node holds.");
    }

    public int ConnectedCount
    {
        get { lock (_gate) { return _entries.Values.Count(e => e.Link is not null); } }
    }

    public bool IsConnected(PeerAddress address)
    {
        lock (_gate) { return _entries.TryGetValue(address.Key, out var entry) && entry.Link is not null; }
    }

    /// <summary>The open links, optionally leaving out the peer a message came from (split horizon).</summary>
    public PeerLink[] ConnectedLinks(string? exceptNodeId = null, string? exceptAddressKey = null)
    {
        var open = Volatile.Read(ref _open);
        return exceptNodeId is null && exceptAddressKey is null ? open : Array.FindAll(open, l => !IsSender(l, exceptNodeId, exceptAddressKey));
    }

    /// <summary>How many open links a record from that sender goes out on; no allocation (called for every record).</summary>
    public int CountLinks(string? exceptNodeId = null, string? exceptAddressKey = null)
    {
        var count = 0;
        foreach (var link in Volatile.Read(ref _open))
        {
            count += IsSender(link, exceptNodeId, exceptAddressKey) ? 0 : 1;
        }

        return count;
    }

    private static bool IsSender(PeerLink link, string? nodeId, string? addressKey) =>
        (nodeId is not null && link.NodeId == nodeId) || (addressKey is not null && link.Address.Key == addressKey);

    /// <summary>Rebuilds the open-links snapshot the hot path reads without locking. Only called under the gate.</summary>
    private void LinksChanged() => Volatile.Write(ref _open, _entries.Values.Where(e => e.Link is not null).Select(e => e.Link!).ToArray());

    public IReadOnlyList<PeerView> Snapshot()
    {
        lock (_gate)
        {
            return _entries.Values.Select(e => new PeerView(
                e.Address.ToString(), e.Address.WebSocketUrl, e.Link?.NodeId ?? e.NodeId, e.State, e.Origin,
                e.Link?.ConnectedAt, e.Attempts, e.LastError, e.NextAttemptAt, e.Link?.Lag ?? 0, e.Link?.Sent ?? 0, e.Link?.Dropped ?? 0)).ToList();
        }
    }

    /// <summary>Tells every link that the log grew.</summary>
    public void WakeAll()
    {
        foreach (var link in ConnectedLinks())
        {
            link.Wake();
        }
    }

    /// <summary>The lowest cursor of any open link: every record before it has been sent everywhere.</summary>
    public int MinCursor()
    {
        var links = ConnectedLinks();
        return links.Length == 0 ? int.MaxValue : links.Min(l => l.Cursor);
    }

    /// <summary>The open link to a node, if any.</summary>
    public PeerLink? LinkTo(string nodeId)
    {
        lock (_gate) { return _entries.Values.FirstOrDefault(e => e.Link?.NodeId == nodeId)?.Link; }
    }

    /// <summary>Closes the link to a node that stopped answering; its supervisor re-dials with back-off.</summary>
    public void DropLinkTo(string nodeId) => LinkTo(nodeId)?.Close();

    /// <summary>Addresses other nodes told us about (peer exchange), kept up to a bound.</summary>
    public void AddCandidates(IEnumerable<PeerAddress> addresses)
    {
        lock (_gate)
        {
            foreach (var address in addresses)
            {
                if (_candidates.Count >= MaxCandidates)
                {
                    break;
                }

                if (address.Key != _identity.Address.Key)
                {
                    _candidates.TryAdd(address.Key, address);
                }
            }
        }
    }

    /// <summary>
    /// Peer exchange: while fewer than <see cref="NodeOptions.TargetPeers"/> peers are known, dial one more
    /// candidate learned from the others. Called on every heartbeat tick.
    /// </summary>
    public void MaintainMesh()
    {
        var target = _options.TargetPeers;
        if (target <= 0)
        {
            return;
        }

        PeerAddress? next = null;
        int known;
        lock (_gate)
        {
            known = _entries.Count;
            if (known < Math.Min(target, _options.MaxPeers))
            {
                var fresh = _candidates.Values.Where(c => !_entries.ContainsKey(c.Key)).ToList();
                if (fresh.Count > 0)
                {
                    next = fresh[Random.Shared.Next(fresh.Count)];
                }
            }
        }

        if (next is { } address)
        {
            Log.ExchangeDial(_logger, address.ToString(), known, target);
            Maintain(address, PeerOrigin.Exchange);
        }
    }

    private const int MaxCandidates = 256;

    /// <summary>Keeps a link to <paramref name="address"/> for as long as the node runs, dialing in the background.</summary>
    public void Maintain(PeerAddress address, PeerOrigin origin)
    {
        if (TryCreateEntry(address, origin, nodeId: null, out var entry))
        {
            entry.Supervisor = SuperviseAsync(entry, firstLink: null, default);
        }
    }

    /// <summary>
    /// Dials once and reports the outcome. On success the link is kept (and re-dialed if it drops);
    /// on failure nothing is kept, so the caller can report the error.
    /// </summary>
    public async Task<ConnectOutcome> ConnectAsync(PeerAddress address, PeerOrigin origin, string? knownNodeId, ActivityContext parent, CancellationToken cancellationToken)
    {
        if (address.Key == _identity.Address.Key || (knownNodeId is not null && knownNodeId == _identity.NodeId))
        {
            return new ConnectOutcome(ConnectStatus.Self, address, "that address is this node itself");
        }

        lock (_gate)
        {
            if (knownNodeId is not null && _entries.Values.FirstOrDefault(e => e.NodeId == knownNodeId) is { } known)
            {
                known.RetryNow();
                return new ConnectOutcome(known.Link is null ? ConnectStatus.Pending : ConnectStatus.AlreadyConnected, known.Address);
            }
        }

        lock (_gate)
        {
            if (_entries.Count >= _options.MaxPeers && !_entries.ContainsKey(address.Key))
            {
                return new ConnectOutcome(ConnectStatus.Failed, address, $"this node already has its maximum of {_options.MaxPeers} peers (P2P:MaxPeers)");
            }
        }

        if (!TryCreateEntry(address, origin, knownNodeId, out var entry))
        {
            lock (_gate)
            {
                var existing = _entries.GetValueOrDefault(address.Key);
                // A peer we are waiting to re-dial has just shown it is back (it dialed us): skip the rest of the back-off.
                existing?.RetryNow();
                return new ConnectOutcome(existing?.Link is null ? ConnectStatus.Pending : ConnectStatus.AlreadyConnected, address, existing?.LastError);
            }
        }

        var (link, status, error) = await DialAsync(entry, parent, cancellationToken).ConfigureAwait(false);
        if (link is null)
        {
            Remove(entry);
            return new ConnectOutcome(status, address, error);
        }

        entry.Supervisor = SuperviseAsync(entry, link, parent);
        return new ConnectOutcome(ConnectStatus.Connected, address);
    }

    /// <summary>Closes every link and forgets every peer; returns how many links were open.</summary>
    public async Task<int> DisconnectAllAsync()
    {
        PeerEntry[] entries;
        lock (_gate)
        {
            entries = [.. _entries.Values];
            _entries.Clear();
            LinksChanged();
        }

        foreach (var entry in entries)
        {
            await entry.Cancellation.CancelAsync().ConfigureAwait(false);
            entry.Link?.Close();
        }

        return entries.Count(e => e.Link is not null);
    }

    /// <summary>Closes the link this node opened to one peer and forgets it (no re-dial); false when it is not a known peer.</summary>
    public async Task<bool> DisconnectAsync(PeerAddress address)
    {
        PeerEntry? entry;
        lock (_gate)
        {
            if (!_entries.Remove(address.Key, out entry))
            {
                return false;
            }

            LinksChanged();
        }

        await entry.Cancellation.CancelAsync().ConfigureAwait(false);
        entry.Link?.Close();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await DisconnectAllAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private bool TryCreateEntry(PeerAddress address, PeerOrigin origin, string? nodeId, out PeerEntry entry)
    {
        lock (_gate)
        {
            if (_entries.ContainsKey(address.Key) || _stopping.IsCancellationRequested)
            {
                entry = null!;
                return false;
            }

            entry = new PeerEntry(address, origin, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token)) { NodeId = nodeId };
            _entries[address.Key] = entry;
            return true;
        }
    }

    private void Remove(PeerEntry entry)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(entry.Address.Key, out var current) && current == entry)
            {
                _entries.Remove(entry.Address.Key);
                LinksChanged();
            }
        }

        entry.Cancellation.Cancel();
    }

    /// <summary>Owns one peer entry: waits on its link, and re-dials with back-off whenever there is none.</summary>
    private async Task SuperviseAsync(PeerEntry entry, PeerLink? firstLink, ActivityContext parent)
    {
        await Task.Yield();
        var token = entry.Cancellation.Token;
        var link = firstLink;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (link is null)
                {
                    ConnectStatus status;
                    string? error;
                    (link, status, error) = await DialAsync(entry, parent, token).ConfigureAwait(false);
                    parent = default;
                    if (status is ConnectStatus.Self or ConnectStatus.AlreadyConnected)
                    {
                        Log.PeerSkipped(_logger, entry.Address.ToString(), error ?? status.ToString());
                        Remove(entry);
                        return;
                    }

                    if (link is null)
                    {
                        var delay = Backoff.Delay(entry.Attempts, _options.ReconnectMinDelay, _options.ReconnectMaxDelay, Random.Shared.NextDouble());
                        Log.PeerConnectFailed(_logger, entry.Address.ToString(), entry.Attempts, (long)delay.TotalMilliseconds, error ?? "unknown error");
                        lock (_gate)
                        {
                            entry.NextAttemptAt = _time.GetUtcNow() + delay;
                        }

                        await entry.WaitBeforeRetryAsync(delay, _time, token).ConfigureAwait(false);
                        continue;
                    }
                }

                var reason = await link.Completion.WaitAsync(token).ConfigureAwait(false);
                Log.PeerDisconnected(_logger, entry.Address.ToString(), reason);
                lock (_gate)
                {
                    entry.Link = null;
                    LinksChanged();
                    entry.State = PeerState.Retrying;
                    entry.LastError = reason;
                }

                link = null;
                await Task.Delay(_options.ReconnectMinDelay, _time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            link?.Close();
        }
    }

    private async Task<(PeerLink? Link, ConnectStatus Status, string? Error)> DialAsync(PeerEntry entry, ActivityContext parent, CancellationToken cancellationToken)
    {
        var address = entry.Address;
        using var activity = NodeTelemetry.Source.StartActivity(ActivityKind.Client, parent, name: $"connect {address}");
        activity?.SetTag("server.address", address.Host);
        activity?.SetTag("server.port", address.Port);
        activity?.SetTag("p2p.peer.origin", entry.Origin.ToString());
        lock (_gate)
        {
            entry.Attempts++;
            entry.NextAttemptAt = null;
            entry.State = entry.Attempts == 1 ? PeerState.Connecting : PeerState.Retrying;
        }

        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        // WebSocket-level pings with a deadline catch a dead peer on links without HEARTBEATs (the tutorial's nodes answer pings too).
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(2);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(5);
        socket.Options.SetRequestHeader(WireProtocol.NodeIdHeader, _identity.NodeId);
        socket.Options.SetRequestHeader(WireProtocol.LogIdHeader, _identity.LogId);
        socket.Options.SetRequestHeader(WireProtocol.AddressHeader, _identity.Address.ToString());
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            // Through a connector that lets the link write a run of records in one system call (see BatchingStream).
            using var connector = new BatchingConnector();
            await socket.ConnectAsync(address.WebSocketUri, connector.Invoker, timeout.Token).ConfigureAwait(false);

            var headers = socket.HttpResponseHeaders;
            var remoteId = Header(headers, WireProtocol.NodeIdHeader);
            var remoteLogId = Header(headers, WireProtocol.LogIdHeader);
            var startCursor = ReplicationStart(remoteId, Header(headers, WireProtocol.ResumeHeader), Header(headers, WireProtocol.DigestHeader));
            socket.HttpResponseHeaders = null;
            if (remoteId == _identity.NodeId)
            {
                socket.Abort();
                socket.Dispose();
                return (null, ConnectStatus.Self, "that address is this node itself");
            }

            // The dialer introduces itself and the receiver dials back (the tutorial's handshake). A dial-back does not
            // introduce itself: the peer is already linked to us (and the tutorial's node would dial a second time).
            // But when a dial-back link dropped and is re-dialed, the peer's own link may be gone too: one of our
            // nodes (which deduplicates) is told again, so that it dials back.
            if (entry.Origin != PeerOrigin.ConnectBack || (remoteId is not null && entry.EverConnected))
            {
                var handshake = MessageCodec.EncodeHandshake(_identity.Address, _identity.NodeId, activity?.Id);
                await socket.SendAsync(handshake, WebSocketMessageType.Text, endOfMessage: true, timeout.Token).ConfigureAwait(false);
                _telemetry.Handshake("sent");
                _telemetry.MessageSent();
            }

            var link = new PeerLink(address, remoteId, remoteLogId, socket, _store, _identity.NodeId, startCursor, _options.ControlQueueCapacity, _telemetry, _logger, _time.GetUtcNow(), connector.Stream);
            lock (_gate)
            {
                var duplicate = remoteId is not null && _entries.Values.Any(e => e != entry && e.Link?.NodeId == remoteId);
                if (duplicate || entry.Cancellation.IsCancellationRequested)
                {
                    socket.Abort();
                    socket.Dispose();
                    return (null, ConnectStatus.AlreadyConnected, $"already connected to node {remoteId} under another address");
                }

                entry.Link = link;
                LinksChanged();
                entry.EverConnected = true;
                entry.NodeId = remoteId;
                entry.State = PeerState.Connected;
                entry.Attempts = 0;
                entry.LastError = null;
                link.Start();
            }

            Log.PeerConnected(_logger, address.ToString(), remoteId, entry.Origin);
            Log.ReplicationStart(_logger, address.ToString(), startCursor, _store.Length);
            return (link, ConnectStatus.Connected, null);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException or IOException)
        {
            var refusedAsSelf = socket.HttpStatusCode == System.Net.HttpStatusCode.Conflict
                && socket.HttpResponseHeaders?.TryGetValue(WireProtocol.NodeIdHeader, out var ids) == true && ids.Contains(_identity.NodeId);
            socket.Dispose();
            if (refusedAsSelf)
            {
                return (null, ConnectStatus.Self, "that address is this node itself");
            }

            var error = ex is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? $"no answer within {_options.ConnectTimeout.TotalSeconds:0.#} s"
                : ex.InnerException?.Message ?? ex.Message;
            activity?.SetStatus(ActivityStatusCode.Error, error);
            lock (_gate)
            {
                entry.LastError = error;
                entry.State = PeerState.Retrying;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return (null, ConnectStatus.Failed, error);
        }
    }

    /// <summary>
    /// Where a new link starts in our log. The peer says in its upgrade response how far it got on earlier links
    /// (resume) and what it holds (digest): equal digests mean there is nothing to catch up. The tutorial's
    /// nodes say neither, so they get the whole history: a late joiner misses nothing.
    /// </summary>
    private int ReplicationStart(string? remoteId, string? resume, string? digest)
    {
        if (RecordDigest.TryParse(digest, out var theirs) && theirs == _store.Digest)
        {
            return _store.Length;
        }

        return remoteId is not null && int.TryParse(resume, out var position) ? Math.Clamp(position, 0, _store.Length) : 0;
    }

    private static string? Header(IReadOnlyDictionary<string, IEnumerable<string>>? headers, string name) =>
        headers?.TryGetValue(name, out var values) == true ? values.FirstOrDefault() : null;

    private sealed class PeerEntry(PeerAddress address, PeerOrigin origin, CancellationTokenSource cancellation)
    {
        public PeerAddress Address { get; } = address;
        public PeerOrigin Origin { get; } = origin;
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public string? NodeId { get; set; }
        public PeerLink? Link { get; set; }
        public bool EverConnected { get; set; }
        public PeerState State { get; set; } = PeerState.Connecting;
        public int Attempts { get; set; }
        public string? LastError { get; set; }
        public DateTimeOffset? NextAttemptAt { get; set; }

        private TaskCompletionSource _retryNow = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Cuts a back-off wait short: the peer has just been heard from.</summary>
        public void RetryNow() => Volatile.Read(ref _retryNow).TrySetResult();

        public async Task WaitBeforeRetryAsync(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
        {
            var retryNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _retryNow, retryNow);
            using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var waited = Task.Delay(delay, time, delayCancellation.Token);
            await Task.WhenAny(waited, retryNow.Task).ConfigureAwait(false);
            await delayCancellation.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        public Task? Supervisor { get; set; }
    }
}

/// <summary>
/// A peer as the rich peers view shows it. <c>NextAttemptAt</c> is when a retrying peer is dialed next;
/// <c>Lag</c> is how many log entries the link has yet to send.
/// </summary>
public sealed record PeerView(
    string Address, string Url, string? NodeId, PeerState State, PeerOrigin Origin, DateTimeOffset? ConnectedAt,
    int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, int Lag, long Sent, long Dropped);
