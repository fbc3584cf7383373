using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// A piece of a session's work waiting for its step: a range to compare (or split) or a list to answer. Work over many
/// items is resumable: it remembers how far it got, so a step stops at its budget and the next one goes on.
/// </summary>
internal abstract class ReconcileWork
{
    /// <summary>
    /// Does at most <paramref name="budget"/> units of work and adds what it says to <paramref name="output"/>; true when
    /// finished. False: call again at a later step (the budget ran out, or the output did not fit).
    /// </summary>
    public abstract bool Run(ReconcileContext context, ref int budget, StepOutput output);
}

/// <summary>What work may touch: the session's view, salt, limits, and where it puts what this node must push.</summary>
internal sealed class ReconcileContext(IReconcileView view, byte[] salt, ReconcileLimits limits, Queue<ReconcileWork> pending, List<PushRange> pushes)
{
    public IReconcileView View { get; } = view;

    public FeedSnapshot Feeds { get; } = view.Feeds;

    public byte[] Salt { get; } = salt;

    public ReconcileLimits Limits { get; } = limits;

    public Queue<ReconcileWork> Pending { get; } = pending;

    /// <summary>One page of leaves, reused by every read of the session.</summary>
    public SeqLeaf[] Page { get; } = new SeqLeaf[256];

    public void Push(NodeId origin, long from, long to) => pushes.Add(new PushRange(origin, from, to));

    public void PushAll(PublishedFeed feed)
    {
        foreach (var (from, to) in Records.SeqRanges.Held(feed.High, feed.Gaps))
        {
            Push(feed.Origin, from, to);
        }
    }

    /// <summary>
    /// A need for the <paramref name="missing"/> ranges of a feed, less what arrived since the snapshot, and for the
    /// <paramref name="conflicting"/> ones (held here with other content) as they are; null when nothing is left.
    /// </summary>
    public NeedItem? Need(NodeId origin, List<(long From, long To)> missing, List<(long From, long To)>? conflicting = null)
    {
        View.TrimHeld(origin, missing);
        if (conflicting is { Count: > 0 })
        {
            missing.AddRange(conflicting);
            missing.Sort();
            for (var i = missing.Count - 1; i > 0; i--)
            {
                if (missing[i].From <= missing[i - 1].To + 1)
                {
                    missing[i - 1] = (missing[i - 1].From, Math.Max(missing[i - 1].To, missing[i].To));
                    missing.RemoveAt(i);
                }
            }
        }

        return missing.Count == 0 ? null : new NeedItem(origin, missing);
    }
}
