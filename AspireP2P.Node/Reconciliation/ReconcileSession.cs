namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// One range-based set reconciliation between two nodes (Aljoscha Meyer's method, as Negentropy runs it), in two levels
/// that follow how feeds are held: first the set of feeds, by a trie over origins whose ranges are fingerprinted with the
/// session's salt; then, only inside a feed whose seqs are equal but content is not, its seq ranges. A feed whose seqs
/// differ needs no search: its high and gaps say what is missing. So identical nodes exchange one fingerprint, and one
/// differing entry among 10,000 feeds is found in three round trips.
/// <para>A state machine driven by messages, independent of any transport: the initiator's <see cref="Open"/> gives the
/// first message, and each message received gives at most one to send back (<see cref="Receive"/>). Each step is
/// bounded (<see cref="ReconcileLimits"/>): the reply closes at a byte budget and the work at a CPU budget, and what did
/// not fit waits, resumable, for the next step. What this node must send the peer accumulates in <see cref="TakePushes"/>.
/// Not thread-safe: one link owns a session.</para>
/// </summary>
public sealed class ReconcileSession
{
    private readonly Queue<ReconcileWork> _pending = new();
    private readonly List<PushRange> _pushes = [];
    private readonly ReconcileContext _context;
    private readonly ReconcileLimits _limits;
    private bool _peerHasMore;

    private ReconcileSession(ulong id, bool initiator, byte[] salt, IReconcileView view, ReconcileLimits limits)
    {
        Id = id;
        IsInitiator = initiator;
        _limits = limits;
        _context = new ReconcileContext(view, salt, limits, _pending, _pushes);
    }

    public ulong Id { get; }

    public bool IsInitiator { get; }

    /// <summary>Finished: ended normally, or abandoned (<see cref="Abandoned"/> says why).</summary>
    public bool IsDone { get; private set; }

    /// <summary>Why the session was given up (a peer that broke the protocol or its bounds), null otherwise.</summary>
    public string? Abandoned { get; private set; }

    /// <summary>The peer's received-records count in its latest message: what was sent to it after that may still be in flight.</summary>
    public long PeerReceived { get; private set; }

    /// <summary>Messages received so far.</summary>
    public int Steps { get; private set; }

    /// <summary>Starts a session: its first message carries the salt and the fingerprint of every feed this node holds.</summary>
    public static ReconcileSession Open(ulong id, byte[] salt, IReconcileView view, long received, out ReconcileMessage first, ReconcileLimits? limits = null)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(salt.Length, RangeSum.SaltLength);
        var session = new ReconcileSession(id, initiator: true, salt, view, limits ?? new ReconcileLimits());
        var whole = default(RangeSum);
        Span<byte> digest = stackalloc byte[32];
        foreach (var feed in view.Feeds.Feeds)
        {
            feed.WriteDigest(digest);
            whole.AddSalted(salt, digest);
        }

        first = new ReconcileMessage(id, true, salt, More: false, End: false, received, [new FeedFingerprintItem(OriginPrefix.Root, whole.Count, whole.Fingerprint())]);
        return session;
    }

    /// <summary>The responder's side of a session the peer opened (the message must carry a salt).</summary>
    public static ReconcileSession Accept(ReconcileMessage open, IReconcileView view, ReconcileLimits? limits = null)
    {
        var salt = open.Salt is { Length: RangeSum.SaltLength } given ? given : new byte[RangeSum.SaltLength];
        var session = new ReconcileSession(open.Session, initiator: false, salt, view, limits ?? new ReconcileLimits());
        if (open.Salt is not { Length: RangeSum.SaltLength } || !open.FromInitiator)
        {
            session.Abandon("the opening message has no 16-byte salt");
        }

        return session;
    }

    /// <summary>
    /// Takes the peer's next message and returns the one to send back, or null when there is none: the session ended
    /// (the initiator ends it with an <see cref="ReconcileMessage.End"/> message, which it returns), or was abandoned.
    /// </summary>
    public ReconcileMessage? Receive(ReconcileMessage message, long received)
    {
        if (IsDone)
        {
            return null;
        }

        Steps++;
        if (message.Session != Id || message.FromInitiator == IsInitiator)
        {
            return Abandon("a message of another session");
        }

        if (Steps > _limits.MaxSteps)
        {
            return Abandon($"more than {_limits.MaxSteps} steps");
        }

        PeerReceived = Math.Max(PeerReceived, message.Received);
        if (message.End)
        {
            IsDone = true;
            return null;
        }

        _peerHasMore = message.More;
        foreach (var item in message.Items)
        {
            if (Accept(item) is { } problem)
            {
                return Abandon(problem);
            }
        }

        if (_pending.Count > _limits.MaxPending)
        {
            return Abandon($"more than {_limits.MaxPending} ranges pending");
        }

        var items = RunStep();
        var more = _pending.Count > 0;
        if (IsInitiator && items.Count == 0 && !more && !_peerHasMore)
        {
            IsDone = true;
            return new ReconcileMessage(Id, true, null, More: false, End: true, received, []);
        }

        return new ReconcileMessage(Id, IsInitiator, null, more, End: false, received, items);
    }

    /// <summary>What this node must send the peer, found since the last call (seq ranges it holds and the peer lacks).</summary>
    public List<PushRange> TakePushes()
    {
        var pushes = new List<PushRange>(_pushes);
        _pushes.Clear();
        return pushes;
    }

    private string? Accept(ReconcileItem item)
    {
        switch (item)
        {
            case FeedFingerprintItem fingerprint when fingerprint.Range.IsValid && fingerprint.Count >= 0:
                _pending.Enqueue(new FeedRangeWork(fingerprint.Range, fingerprint.Count, fingerprint.Fingerprint, knownDifferent: false));
                return null;
            case FeedSummariesItem summaries when summaries.Range.IsValid
                && summaries.Feeds.All(f => summaries.Range.Contains(FeedSnapshot.Key(f.Origin)) && ValidGaps(f.Gaps, f.High)):
                _pending.Enqueue(new FeedSummariesWork(summaries.Range, summaries.Feeds));
                return null;
            case SeqFingerprintItem seqs when seqs.From >= 1 && seqs.To >= seqs.From && seqs.Count >= 0:
                _pending.Enqueue(SeqRangeWork.Compare(seqs));
                return null;
            case SeqListItem list when list.From >= 1 && list.To >= list.From && Ascending(list.Entries, list.From, list.To):
                _pending.Enqueue(new SeqListWork(list.Origin, list.From, list.To, list.Entries));
                return null;
            case NeedItem need when need.Ranges.All(r => r.From >= 1 && r.To >= r.From):
                foreach (var (from, to) in need.Ranges)
                {
                    _context.Push(need.Origin, from, to);
                }

                return null;
            default:
                return $"an invalid {item.Kind} item";
        }
    }

    /// <summary>Runs pending work within the step's budgets; what does not fit stays pending, in order.</summary>
    private List<ReconcileItem> RunStep()
    {
        var output = new StepOutput(_limits.MaxMessageBytes - HeaderAllowance);
        var budget = _limits.MaxWorkPerStep;
        while (_pending.Count > 0 && budget > 0 && !output.Full)
        {
            if (!_pending.Peek().Run(_context, ref budget, output))
            {
                break;
            }

            _pending.Dequeue();
        }

        return output.Items;
    }

    /// <summary>Bytes kept for a message's own fields (flags, session, received, item count).</summary>
    private const int HeaderAllowance = 32;

    private ReconcileMessage? Abandon(string reason)
    {
        IsDone = true;
        Abandoned = reason;
        _pending.Clear();
        return null;
    }

    /// <summary>Gaps sorted, disjoint, each within [1, high − 1]; null (not listed) is valid too.</summary>
    private static bool ValidGaps(long[]? gaps, long high)
    {
        if (high < 0 || gaps is null)
        {
            return high >= 0;
        }

        var end = 0L;
        for (var i = 0; i + 1 < gaps.Length; i += 2)
        {
            if (gaps[i] <= end || gaps[i + 1] < gaps[i] || gaps[i + 1] >= high)
            {
                return false;
            }

            end = gaps[i + 1];
        }

        return gaps.Length % 2 == 0;
    }

    private static bool Ascending(IReadOnlyList<SeqEntry> entries, long from, long to)
    {
        var previous = from - 1;
        foreach (var entry in entries)
        {
            if (entry.Seq <= previous || entry.Seq > to)
            {
                return false;
            }

            previous = entry.Seq;
        }

        return true;
    }
}
