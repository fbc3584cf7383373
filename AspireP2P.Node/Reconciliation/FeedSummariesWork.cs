using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// The peer listed every feed it holds in a range. Feed by feed this node now knows the whole difference: it pushes what
/// the peer lacks, names what it lacks itself (<see cref="NeedItem"/>), and where both hold the same seqs with different
/// content (an origin that signed twice), or gaps too many to list, it compares the feed by seq ranges.
/// Costs one salted hash per feed of its own in the range; the peer's list is bounded by the decoder. Resumable feed by
/// feed: a feed whose need does not fit the reply is taken up again, whole, at the next step.
/// </summary>
internal sealed class FeedSummariesWork : ReconcileWork
{
    private readonly OriginPrefix _range;
    private readonly Dictionary<NodeId, FeedSummaryItem> _theirs;
    private readonly List<FeedSummaryItem> _order;
    private int _next = -1;
    private int _end;
    private int _unmatched;

    public FeedSummariesWork(OriginPrefix range, IReadOnlyList<FeedSummaryItem> theirs)
    {
        _range = range;
        _order = [.. theirs];
        _theirs = new Dictionary<NodeId, FeedSummaryItem>(theirs.Count);
        foreach (var summary in theirs)
        {
            _theirs.TryAdd(summary.Origin, summary);
        }
    }

    public override bool Run(ReconcileContext context, ref int budget, StepOutput output)
    {
        if (_next < 0)
        {
            (_next, _end) = _range.Locate(context.Feeds);
        }

        var feeds = context.Feeds.Feeds;
        for (; _next < _end; _next++, budget--)
        {
            if (budget <= 0 || !Compare(context, feeds[_next], output))
            {
                return false;
            }
        }

        // Feeds this node holds none of: whatever the peer holds of them.
        for (; _unmatched < _order.Count; _unmatched++)
        {
            var their = _order[_unmatched];
            if (_theirs.ContainsKey(their.Origin)
                && context.Need(their.Origin, [(1, Math.Max(1, their.High))]) is { } need && !output.TryAdd(need))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One feed of this node's: false when its need did not fit (nothing of it is done yet then).</summary>
    private bool Compare(ReconcileContext context, PublishedFeed mine, StepOutput output)
    {
        if (!_theirs.TryGetValue(mine.Origin, out var their))
        {
            context.PushAll(mine);
            return true;
        }

        if (their.Fingerprint == mine.Fingerprint(context.Salt))
        {
            _theirs.Remove(mine.Origin);
            return true;
        }

        var high = Math.Max(mine.High, their.High);
        if (their.Gaps is null)
        {
            context.Pending.Enqueue(SeqRangeWork.Differing(mine.Origin, 1, high));
            _theirs.Remove(mine.Origin);
            return true;
        }

        var held = SeqRanges.Held(mine.High, mine.Gaps);
        var theirsHeld = SeqRanges.Held(their.High, their.Gaps);
        var push = SeqRanges.Subtract(held, theirsHeld);
        var need = SeqRanges.Subtract(theirsHeld, held);
        if ((push.Count == 0 && need.Count == 0) || need.Count > context.Limits.MaxNeedRanges)
        {
            // The same seqs with other content, or a difference too scattered to name: find it by seq ranges.
            context.Pending.Enqueue(SeqRangeWork.Differing(mine.Origin, 1, high));
            _theirs.Remove(mine.Origin);
            return true;
        }

        if (context.Need(mine.Origin, need) is { } item && !output.TryAdd(item))
        {
            return false;
        }

        foreach (var (from, to) in push)
        {
            context.Push(mine.Origin, from, to);
        }

        _theirs.Remove(mine.Origin);
        return true;
    }
}
