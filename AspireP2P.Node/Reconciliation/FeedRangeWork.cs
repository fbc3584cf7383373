namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// A range of feeds the peer fingerprinted (or that is known to differ): this node fingerprints its own feeds in it,
/// the 16 children at once, in one pass. Equal: nothing to say. Different: if either side holds none, it is all one
/// way; if this side holds few, it lists them (<see cref="FeedSummariesItem"/>); else it sends the children's
/// fingerprints, and the search goes one hex digit deeper.
/// </summary>
internal sealed class FeedRangeWork(OriginPrefix range, long peerCount, UInt128 peerFingerprint, bool knownDifferent) : ReconcileWork
{
    private readonly RangeSum[] _children = new RangeSum[16];
    private int _next = -1;
    private int _end;

    public override bool Run(ReconcileContext context, ref int budget, StepOutput output)
    {
        var feeds = context.Feeds.Feeds;
        if (_next < 0)
        {
            (_next, _end) = range.Locate(context.Feeds);
        }

        Span<byte> digest = stackalloc byte[32];
        var splittable = range.Depth < OriginPrefix.MaxDepth;
        for (; _next < _end && budget > 0; _next++, budget--)
        {
            var feed = feeds[_next];
            feed.WriteDigest(digest);
            var child = splittable ? range.ChildDigit(FeedSnapshot.Key(feed.Origin)) : 0;
            _children[child].AddSalted(context.Salt, digest);
        }

        if (_next < _end)
        {
            return false;
        }

        var whole = RangeSum.Total(_children);

        if (!knownDifferent && whole.Count == peerCount && whole.Fingerprint() == peerFingerprint)
        {
            return true;
        }

        var (start, end) = range.Locate(context.Feeds);
        if (peerCount == 0 && !knownDifferent)
        {
            for (var i = start; i < end; i++)
            {
                context.PushAll(feeds[i]);
            }
        }
        else if (whole.Count <= context.Limits.FeedListThreshold || !splittable)
        {
            return output.TryAdd(new FeedSummariesItem(range, Summaries(context, feeds, start, end)));
        }
        else
        {
            var children = new ReconcileItem[16];
            for (var digit = 0; digit < 16; digit++)
            {
                children[digit] = new FeedFingerprintItem(range.Child(digit), _children[digit].Count, _children[digit].Fingerprint());
            }

            return output.TryAddAll(children);
        }

        return true;
    }

    private static List<FeedSummaryItem> Summaries(ReconcileContext context, PublishedFeed[] feeds, int start, int end)
    {
        var list = new List<FeedSummaryItem>(end - start);
        for (var i = start; i < end; i++)
        {
            var feed = feeds[i];
            var gaps = feed.GapCount <= context.Limits.MaxSummaryGaps ? feed.Gaps : null;
            list.Add(new FeedSummaryItem(feed.Origin, feed.High, gaps, feed.Fingerprint(context.Salt)));
        }

        return list;
    }
}
