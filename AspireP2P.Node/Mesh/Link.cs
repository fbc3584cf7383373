using AspireP2P.Node.Faults;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Transport;

namespace AspireP2P.Node.Mesh;

/// <summary>What a link tells the mesh about; called from the link's tasks, never while holding anything.</summary>
public interface ILinkEvents
{
    void HeartbeatReceived(Link link, HeartbeatMessage heartbeat);

    void HandshakeReceived(Link link, HandshakeMessage handshake);

    /// <summary>The link has ended (both its halves), and why. Told exactly once per started link.</summary>
    void Closed(Link link, LinkClose close);
}

/// <summary>
/// One open link to a peer, after its upgrade and proofs. Two halves run it, as one supervised task, and each owns its
/// state:
/// <list type="bullet">
/// <item>the reader reads whole messages, hands records to <see cref="RecordIntake"/> and control messages to the mesh
/// (<see cref="ILinkEvents"/>), and turns the peer's VECTOR into a catch-up plan for the writer;</item>
/// <item>the writer owns everything sent: control messages first, then what the peer lacks (catch-up), then new entries
/// from a cursor into the log through the <see cref="Relay"/> (live replication: nothing queues per peer, a slow peer only
/// lags, and records never go back to the link they came from).</item>
/// </list>
/// The halves end together: whichever ends first (the peer left, a send failed, an exception nobody expected) closes the
/// link, so it never stays listed with one half dead; the mesh is told once, with the reason, and frees its slot.
/// Records in flight (sent, not yet counted by the peer's <c>rx</c>) are remembered so anti-entropy never sends them
/// twice; at most <see cref="Hosting.NodeOptions.MaxInFlight"/> of them, which is also the link's flow control.
/// </summary>
public sealed class Link : IDisposable
{
    private const int Chunk = 256;

    /// <summary>Most catch-up ranges planned from one vector; the rest is planned from the next (the peer's view is kept).</summary>
    private const int MaxCatchUpRanges = 16_384;

    /// <summary>Frames that break the protocol a peer may send in a burst (then one per <see cref="MalformedRefill"/>) before it is closed.</summary>
    private const int MalformedBurst = 16;

    private static readonly TimeSpan MalformedRefill = TimeSpan.FromSeconds(4);

    private static long s_nextId;

    private readonly NodeContext _node;
    private readonly RecordIntake _intake;
    private readonly ILinkEvents _events;
    private readonly ILogger _logger;
    private readonly IPeerConnection _connection;
    private readonly CancellationTokenSource _closing = new();
    private readonly ControlQueue _control;
    private readonly AsyncSignal _wake = new();
    private readonly RejectionLog _rejections;
    private readonly TaskCompletionSource<LinkClose> _ended = new();
    private IDisposable? _subscription;
    private LinkClose? _close;
    private int _started;
    private int _finished;

    // Reader-owned.
    private readonly Dictionary<NodeId, FeedView> _peerView = [];
    private readonly TokenBucket _malformed;
    private readonly TokenBucket _newOrigins;
    private bool _vectorOpen;
    private long _receivedRecords;
    private long _lastHeardTicks;

    // Written by the reader or the mesh, read by the writer.
    private long _peerReceived;
    private List<(NodeId Origin, long From, long To)>? _pendingPlan;
    private int _vectorRequested;
    private FeedDigest _peerDigest;

    // Writer-owned.
    private long _vectorSince;
    private long _cursor;
    private long _sentRecords;
    private readonly Dictionary<(NodeId, long), long> _inFlight = [];
    private readonly Queue<((NodeId, long) Key, long SentAs)> _inFlightOrder = new();
    private readonly LinkedList<(NodeId Origin, long From, long To)> _catchUp = new();
    private long _catchUpRemaining;

    public Link(
        NodeContext node, RecordIntake intake, ILinkEvents events, IPeerConnection connection, LinkKind kind, LinkDirection direction,
        NodeId peerId, string? peerName, PeerAddress? peerAddress)
    {
        _node = node;
        _intake = intake;
        _events = events;
        _connection = connection;
        Kind = kind;
        Direction = direction;
        PeerId = peerId;
        PeerName = peerName;
        PeerAddress = peerAddress;
        Id = Interlocked.Increment(ref s_nextId);
        OpenedAt = node.Time.GetUtcNow();
        _lastHeardTicks = OpenedAt.UtcTicks;
        _logger = node.Logs.CreateLogger<Link>();
        _rejections = new RejectionLog(_logger, node.Telemetry);
        _control = new ControlQueue(node.Options.ControlQueueCapacity, node.Telemetry.ControlDropped);
        _malformed = new TokenBucket(MalformedBurst, 1 / MalformedRefill.TotalSeconds, OpenedAt);
        _newOrigins = new TokenBucket(10.0 * node.Options.NewOriginsPerSecond, node.Options.NewOriginsPerSecond, OpenedAt);
    }

    /// <summary>Unique in this process; records remember the link they came on.</summary>
    public long Id { get; }

    public LinkKind Kind { get; }

    public LinkDirection Direction { get; }

    /// <summary>The peer's node id, proven by its signature; none for a tutorial node.</summary>
    public NodeId PeerId { get; }

    public string? PeerName { get; }

    /// <summary>Where the peer says it listens (its upgrade headers, or the tutorial's HANDSHAKE); null when it has not said.</summary>
    public PeerAddress? PeerAddress { get; internal set; }

    public string Remote => _connection.Remote;

    public DateTimeOffset OpenedAt { get; }

    public DateTimeOffset LastHeard => new(Interlocked.Read(ref _lastHeardTicks), TimeSpan.Zero);

    /// <summary>Log entries this link has yet to send (live), plus catch-up still queued.</summary>
    public long Lag => Math.Max(0, _node.Store.Length - Interlocked.Read(ref _cursor)) + Interlocked.Read(ref _catchUpRemaining);

    public long SentRecords => Interlocked.Read(ref _sentRecords);

    public long ReceivedRecords => Interlocked.Read(ref _receivedRecords);

    public long Rejected => _rejections.Count;

    /// <summary>The peer's digest as of its last heartbeat.</summary>
    public FeedDigest PeerDigest => _peerDigest;

    public bool CarriesRecordsIn => Kind is LinkKind.Peer or LinkKind.TutorialReceive;

    public bool CarriesRecordsOut => Kind is LinkKind.Peer or LinkKind.TutorialSend;

    /// <summary>
    /// Whether a link we dialed to a tutorial node opens with our HANDSHAKE ("dial me back"). Not on a dial-back: the node
    /// already has its link to us, and the tutorial's node dials again on every HANDSHAKE (a second link, every record twice).
    /// </summary>
    public bool Introduces { get; init; } = true;

    /// <summary>Completes when the link is gone (or was never started), with why.</summary>
    public Task<LinkClose> Ended => _ended.Task;

    /// <summary>Starts reading and writing, as a supervised task. Our peers get our vector at once; a tutorial node we dialed gets HANDSHAKE and then every record.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }

        // A tutorial node has no vector to say what it lacks: it gets the whole log, as a late joiner should.
        Interlocked.Exchange(ref _cursor, Kind == LinkKind.TutorialSend ? 0 : _node.Relay.End);
        if (Kind == LinkKind.Peer)
        {
            _vectorRequested = FullVector;
        }

        if (CarriesRecordsOut)
        {
            _node.Relay.Follow(Id, Interlocked.Read(ref _cursor));
            _subscription = _node.Store.Subscribe(Wake);
        }

        _node.Supervisor.Run("link", _ => RunAsync(), onFault: ex => Finish(new LinkClose(LinkCloseKind.InternalError, $"this node failed on the link ({ex.GetType().Name})")));
    }

    /// <summary>Ends a link that was never started (refused by the mesh: a duplicate, over capacity, the node stopping): tells the peer why.</summary>
    public void Refuse(LinkCloseKind kind, string reason)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            Close(kind, reason);
            return;
        }

        var close = new LinkClose(kind, reason);
        _node.Supervisor.Run("refuse link", async _ =>
        {
            try
            {
                await _connection.CloseAsync(reason, CancellationToken.None);
            }
            finally
            {
                await _connection.DisposeAsync();
                _closing.Dispose();
                _ended.TrySetResult(close);
            }
        });
    }

    /// <summary>Queues a control message ahead of records; never blocks (the oldest is dropped and counted when full).</summary>
    public void SendControl(byte[] frame)
    {
        _control.Enqueue(frame);
        Wake();
    }

    private const int DeltaVector = 1;
    private const int FullVector = 2;

    /// <summary>
    /// Asks the writer to send our vector (anti-entropy: the peer then sends what we lack): the feeds that changed since our
    /// previous one on this link, or every feed.
    /// </summary>
    public void RequestVector(bool full)
    {
        var wanted = full ? FullVector : DeltaVector;
        int current;
        do
        {
            current = Volatile.Read(ref _vectorRequested);
        }
        while (current < wanted && Interlocked.CompareExchange(ref _vectorRequested, wanted, current) != current);
        Wake();
    }

    /// <summary>Ends the link (both halves) for <paramref name="reason"/>; the first close's reason stands.</summary>
    public void Close(LinkCloseKind kind, string reason)
    {
        Interlocked.CompareExchange(ref _close, new LinkClose(kind, reason), null);
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already ended.
        }
    }

    private void Wake() => _wake.Set();

    /// <summary>Links dispose of themselves when they end; this is for a link that was never started nor refused.</summary>
    public void Dispose() => _closing.Dispose();

    private async Task RunAsync()
    {
        var close = new LinkClose(LinkCloseKind.InternalError, "the link ended unexpectedly");
        try
        {
            // Let the caller finish registering the link before any of its events arrive.
            await Task.Yield();
            // One registration for the link's life: closing wakes the writer, which then sees the token cancelled.
            using var wakeOnClose = _closing.Token.Register(static state => ((AsyncSignal)state!).Set(), _wake);
            var reading = ReadLoopAsync(_closing.Token);
            var writing = WriteLoopAsync(_closing.Token);
            var first = await Task.WhenAny(reading, writing);
            var initiated = Volatile.Read(ref _close) is not null;
            close = Volatile.Read(ref _close) ?? await first;
            Close(close.Kind, close.Detail);
            _subscription?.Dispose();

            // The writer stops at once (it was woken and its token is cancelled); then the connection is ended, which also
            // ends a receive still pending (a transport need not honour the token in the middle of one), and the reader stops.
            await writing;
            if (initiated)
            {
                // We end it: tell the peer why.
                await _connection.CloseAsync(close.Detail, CancellationToken.None);
            }
            else
            {
                _connection.Abort();
            }

            await reading;
        }
        catch (Exception ex)
        {
            // Nothing above should throw (each half turns its own failures into a close); if something does, the link still ends.
            _node.Supervisor.Report("link", ex);
            close = new LinkClose(LinkCloseKind.InternalError, $"this node failed on the link ({ex.GetType().Name})");
            Close(close.Kind, close.Detail);
            _connection.Abort();
        }
        finally
        {
            await FinishAsync(close);
        }
    }

    private async Task FinishAsync(LinkClose close)
    {
        try
        {
            _subscription?.Dispose();
            await _connection.DisposeAsync();
        }
        catch (Exception ex)
        {
            _node.Supervisor.Report("link", ex);
        }

        Finish(close);
    }

    /// <summary>Tells the mesh (once) and whoever waits for the link's end.</summary>
    private void Finish(LinkClose close)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        _subscription?.Dispose();
        _node.Relay.Unfollow(Id);
        _events.Closed(this, close);
        _closing.Dispose();
        _ended.TrySetResult(close);
    }

    private async Task<LinkClose> ReadLoopAsync(CancellationToken cancellationToken)
    {
        var maxFrame = _node.Options.MaxFrameBytes;
        try
        {
            while (true)
            {
                await KeepUpWithTheDiskAsync(cancellationToken);
                var frame = await _connection.ReceiveAsync(maxFrame, cancellationToken);
                switch (frame.Kind)
                {
                    case FrameKind.Closed:
                        return new LinkClose(LinkCloseKind.PeerClosed, frame.CloseReason ?? "the link ended");
                    case FrameKind.Binary:
                        Heard();
                        if (Malformed(RejectReason.BinaryFrame, "binary frames are not part of the protocol (messages are JSON text)") is { } binary)
                        {
                            return binary;
                        }

                        break;
                    case FrameKind.Oversize:
                        Heard();
                        _rejections.Add(Remote, RejectReason.Oversize, $"a {frame.Length}-byte message exceeds the {maxFrame}-byte frame cap");
                        break;
                    default:
                        Heard();
                        _node.Faults?.ThrowIfInjected(FaultPoint.LinkReader);
                        if (Dispatch(frame.Data.Span) is { } misbehaving)
                        {
                            return misbehaving;
                        }

                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new LinkClose(LinkCloseKind.Requested, "closed by this node");
        }
        catch (Exception ex)
        {
            // Whatever it was, the link does not go on with a dead reader: it closes, and the mesh frees its slot.
            _node.Supervisor.Report("link reader", ex);
            return new LinkClose(LinkCloseKind.InternalError, $"this node failed reading the link ({ex.GetType().Name})");
        }
    }

    /// <summary>Makes a reader stop reading while too many bytes wait for the disk (TCP then slows the sender).</summary>
    private async ValueTask KeepUpWithTheDiskAsync(CancellationToken cancellationToken)
    {
        var store = _node.Store;
        if (store.Log.PendingBytes <= _node.Options.TailBytes || store.Failure is not null)
        {
            return;
        }

        try
        {
            await store.WaitDurableAsync(store.Length - 1, cancellationToken);
        }
        catch (Records.Storage.RecordLogFailedException)
        {
            // The store refuses records from now on (and the node fails stop); reading goes on so the link sees what its peer sends.
        }
        catch (ObjectDisposedException)
        {
            // The log closed: the node is stopping.
        }
    }

    private void Heard() => Interlocked.Exchange(ref _lastHeardTicks, _node.Time.GetUtcNow().UtcTicks);

    /// <summary>A frame that breaks the protocol: counted; past the burst the peer is misbehaving and the link closes.</summary>
    private LinkClose? Malformed(RejectReason reason, string detail)
    {
        _rejections.Add(Remote, reason, detail);
        return _malformed.TryTake(_node.Time.GetUtcNow())
            ? null
            : new LinkClose(LinkCloseKind.Misbehaving, $"misbehaving: more than {MalformedBurst} frames that break the protocol ({reason.Tag()}: {MessageCodec.Truncate(detail, 80)})");
    }

    private LinkClose? Dispatch(ReadOnlySpan<byte> bytes)
    {
        // Most records arrive several times (every peer relays each one): a duplicate costs a glance, not a decode.
        if (CarriesRecordsIn && MessageCodec.TryPeekFeedEntry(bytes, out var origin, out var seq, out var sync) && !sync
            && _node.Store.Contains(origin, seq))
        {
            Interlocked.Increment(ref _receivedRecords);
            _node.Telemetry.MessageReceived(WireProtocol.NewRecord);
            _node.Telemetry.DuplicateSuppressed();
            return null;
        }

        var decoded = _node.Codec.Decode(bytes);
        switch (decoded.Message)
        {
            case RecordMessage record when CarriesRecordsIn:
                Interlocked.Increment(ref _receivedRecords);
                _node.Telemetry.MessageReceived(WireProtocol.NewRecord);
                if (_intake.Receive(this, record) is { } rejection)
                {
                    _rejections.Add(Remote, rejection.Reason, rejection.Detail);
                }

                return null;
            case HandshakeMessage handshake:
                _node.Telemetry.MessageReceived(WireProtocol.Handshake);
                // Our peers never need it (a link carries both ways); from a tutorial node it means "dial me back".
                if (Kind == LinkKind.TutorialReceive)
                {
                    PeerAddress ??= handshake.Address;
                    _events.HandshakeReceived(this, handshake);
                }

                return null;
            case HeartbeatMessage heartbeat when Kind == LinkKind.Peer:
                _node.Telemetry.MessageReceived(WireProtocol.Heartbeat);
                _peerDigest = heartbeat.Digest;
                Acknowledged(heartbeat.Received);
                _events.HeartbeatReceived(this, heartbeat);
                return null;
            case VectorMessage vector when Kind == LinkKind.Peer:
                _node.Telemetry.MessageReceived(WireProtocol.Vector);
                ReceiveVector(vector);
                return null;
            case null when decoded.Reason == RejectReason.Oversize:
                // A record over this node's cap is not the peer breaking the protocol (its cap may be larger).
                _rejections.Add(Remote, decoded.Reason, decoded.Detail ?? "record too large");
                return null;
            case null:
                return Malformed(decoded.Reason, decoded.Detail ?? "invalid message");
            default:
                return Malformed(RejectReason.UnexpectedMessage, $"{decoded.Message.GetType().Name} is not expected on a {Kind} link");
        }
    }

    /// <summary>
    /// A part of the peer's vector. The view is kept between vectors (a delta changes it), and on its last part the
    /// ranges the peer lacks are planned for the writer, at most <see cref="MaxCatchUpRanges"/> (the next vector plans the rest).
    /// </summary>
    private void ReceiveVector(VectorMessage vector)
    {
        if (!_vectorOpen && vector.Full)
        {
            // A full vector: a feed it does not list is one the peer has none of.
            _peerView.Clear();
        }

        _vectorOpen = !vector.Last;
        foreach (var feed in vector.Feeds)
        {
            _peerView[feed.Origin] = FeedView.Of(feed);
        }

        if (vector.Last)
        {
            var plan = _node.Store.Missing(_peerView);
            if (plan.Count > MaxCatchUpRanges)
            {
                plan.RemoveRange(MaxCatchUpRanges, plan.Count - MaxCatchUpRanges);
            }

            Volatile.Write(ref _pendingPlan, plan);
            Acknowledged(vector.Received);
            Wake();
        }
    }

    /// <summary>Whether a record of a feed this node has never held may come in on this link now (the new-origin rate).</summary>
    internal bool AllowNewOrigin() => _newOrigins.TryTake(_node.Time.GetUtcNow());

    private void Acknowledged(long received)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _peerReceived);
        }
        while (received > current && Interlocked.CompareExchange(ref _peerReceived, received, current) != current);
        Wake();
    }

    private async Task<LinkClose> WriteLoopAsync(CancellationToken cancellationToken)
    {
        var chunk = new RelayItem?[Chunk];
        try
        {
            if (Kind == LinkKind.TutorialSend && Introduces)
            {
                await SendAsync(MessageCodec.EncodeHandshake(_node.Local.Address, null), WireProtocol.Handshake, cancellationToken);
            }

            while (true)
            {
                var progress = false;
                while (_control.TryDequeue(out var frame))
                {
                    await SendAsync(frame, WireProtocol.Heartbeat, cancellationToken);
                    progress = true;
                }

                if (Kind == LinkKind.Peer)
                {
                    progress |= await SendVectorIfRequestedAsync(cancellationToken);
                    TakePlan();
                    PruneInFlight();
                    if (_inFlight.Count < _node.Options.MaxInFlight)
                    {
                        progress |= await SendCatchUpAsync(cancellationToken);
                    }
                }

                if (CarriesRecordsOut && _inFlight.Count < _node.Options.MaxInFlight)
                {
                    progress |= await SendLiveAsync(chunk, cancellationToken);
                }

                if (!progress)
                {
                    await _wake.WaitAsync();
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new LinkClose(LinkCloseKind.Requested, "closed by this node");
        }
        catch (Exception ex) when (ex is IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            return new LinkClose(LinkCloseKind.SendFailed, $"send failed: {ex.Message}");
        }
        catch (Exception ex)
        {
            _node.Supervisor.Report("link writer", ex);
            return new LinkClose(LinkCloseKind.InternalError, $"this node failed writing to the link ({ex.GetType().Name})");
        }
    }

    private async ValueTask SendAsync(byte[] frame, string type, CancellationToken cancellationToken)
    {
        _node.Faults?.ThrowIfInjected(FaultPoint.LinkWriter);
        await _connection.SendAsync(frame, cancellationToken);
        _node.Telemetry.MessageSent(type);
    }

    private async ValueTask<bool> SendVectorIfRequestedAsync(CancellationToken cancellationToken)
    {
        var requested = Interlocked.Exchange(ref _vectorRequested, 0);
        if (requested == 0)
        {
            return false;
        }

        // Taken together with the digest, so the parts describe one state; a delta lists what changed since the last one.
        var full = requested == FullVector;
        var (summaries, digest, changes) = _node.Store.SummariesSince(full ? 0 : _vectorSince);
        _vectorSince = changes;
        var received = Interlocked.Read(ref _receivedRecords);
        var parts = Math.Max(1, (summaries.Count + WireProtocol.MaxFeedsPerVector - 1) / WireProtocol.MaxFeedsPerVector);
        for (var part = 0; part < parts; part++)
        {
            var feeds = summaries.GetRange(part * WireProtocol.MaxFeedsPerVector, Math.Min(WireProtocol.MaxFeedsPerVector, summaries.Count - (part * WireProtocol.MaxFeedsPerVector)));
            await SendAsync(MessageCodec.EncodeVector(received, digest, full, part == parts - 1, feeds), WireProtocol.Vector, cancellationToken);
        }

        _node.Telemetry.VectorSent();
        return true;
    }

    /// <summary>The reader planned what the peer lacks: it replaces what was queued.</summary>
    private void TakePlan()
    {
        if (Interlocked.Exchange(ref _pendingPlan, null) is not { } plan)
        {
            return;
        }

        _catchUp.Clear();
        long total = 0;
        foreach (var range in plan)
        {
            _catchUp.AddLast(range);
            total += range.To - range.From + 1;
        }

        Interlocked.Exchange(ref _catchUpRemaining, total);
    }

    private async ValueTask<bool> SendCatchUpAsync(CancellationToken cancellationToken)
    {
        if (_catchUp.First is not { } head)
        {
            return false;
        }

        var range = head.Value;
        var entries = _node.Store.ReadFeed(range.Origin, range.From, range.To, Chunk);
        var cursor = Interlocked.Read(ref _cursor);
        var sent = 0;
        byte[]? publicKey = null;
        foreach (var (position, entry) in entries)
        {
            // What the live cursor has yet to reach goes live; what is in flight arrives without our help.
            if (position >= cursor || _inFlight.ContainsKey((entry.Origin, entry.Seq)))
            {
                continue;
            }

            publicKey ??= _node.Store.PublicKeyOf(entry.Origin);
            await SendRecordAsync(MessageCodec.EncodeRecord(entry, publicKey, entry.Hops + 1, null, null, sync: true), entry, cancellationToken);
            sent++;
        }

        var done = entries.Count < Chunk ? range.To : entries[^1].Entry.Seq;
        if (done < range.To)
        {
            // The rest of the range next round: live records get their turn in between.
            head.Value = (range.Origin, done + 1, range.To);
        }
        else
        {
            _catchUp.RemoveFirst();
        }

        var remaining = Interlocked.Add(ref _catchUpRemaining, -(done - range.From + 1));
        if (remaining < 0 || _catchUp.Count == 0)
        {
            Interlocked.Exchange(ref _catchUpRemaining, 0);
        }

        if (sent > 0)
        {
            _node.Telemetry.CatchUpSent(sent);
        }

        return true;
    }

    private async ValueTask<bool> SendLiveAsync(RelayItem?[] chunk, CancellationToken cancellationToken)
    {
        var cursor = Interlocked.Read(ref _cursor);
        var relay = _node.Relay;
        var read = relay.Read(cursor, chunk);
        if (read == 0)
        {
            return false;
        }

        for (var i = 0; i < read; i++)
        {
            var item = chunk[i]!;
            chunk[i] = null;
            if (Relay.Decide(this, item) == RelayDecision.SendFull)
            {
                await SendRecordAsync(relay.FrameOf(item), item.Entry, cancellationToken);
            }
        }

        Interlocked.Exchange(ref _cursor, cursor + read);
        relay.Follow(Id, cursor + read);
        return true;
    }

    private async ValueTask SendRecordAsync(byte[] frame, Entry entry, CancellationToken cancellationToken)
    {
        await SendAsync(frame, WireProtocol.NewRecord, cancellationToken);
        var sent = Interlocked.Increment(ref _sentRecords);
        if (Kind == LinkKind.Peer)
        {
            _inFlight[(entry.Origin, entry.Seq)] = sent;
            _inFlightOrder.Enqueue(((entry.Origin, entry.Seq), sent));
        }
    }

    /// <summary>Forgets in-flight records the peer has counted (its <c>rx</c>): they arrived. Emptied, their tables shrink back.</summary>
    private void PruneInFlight()
    {
        var received = Interlocked.Read(ref _peerReceived);
        var pruned = false;
        while (_inFlightOrder.TryPeek(out var oldest) && oldest.SentAs <= received)
        {
            pruned = true;
            _inFlightOrder.Dequeue();
            if (_inFlight.TryGetValue(oldest.Key, out var sentAs) && sentAs == oldest.SentAs)
            {
                _inFlight.Remove(oldest.Key);
            }
        }

        if (pruned && _inFlightOrder.Count == 0)
        {
            // After a burst of thousands, an idle link keeps no tables sized for it.
            _inFlight.TrimExcess();
            _inFlightOrder.TrimExcess();
        }
    }
}
