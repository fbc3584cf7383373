using System.Buffers.Binary;
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
/// <summary>An entry's seq and its leaf hash salted for the session.</summary>
internal readonly record struct SaltedLeaf(long Seq, UInt128 Low, UInt128 High)
{
    /// <summary>What a seq list carries of it: the first 8 bytes.</summary>
    public ulong Fingerprint => (ulong)Low;

    public void WriteHash(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt128LittleEndian(destination, Low);
        BinaryPrimitives.WriteUInt128LittleEndian(destination[16..], High);
    }
}

internal sealed class ReconcileContext(IReconcileView view, byte[] salt, ReconcileLimits limits, Queue<ReconcileWork> pending, List<PushRange> pushes)
{
    public IReconcileView View { get; } = view;

    public FeedSnapshot Feeds { get; } = view.Feeds;

    public byte[] Salt { get; } = salt;

    public ReconcileLimits Limits { get; } = limits;

    public Queue<ReconcileWork> Pending { get; } = pending;

    private readonly SeqLeaf[] _page = new SeqLeaf[256];
    private readonly SaltedLeaf[] _salted = new SaltedLeaf[256];

    /// <summary>
    /// The next page of a seq range's entries, each with its leaf hash salted for the session, within the budget (one
    /// unit a leaf). Empty once the range is read (<paramref name="next"/> is then past <paramref name="to"/>) or the budget is spent.
    /// </summary>
    public ReadOnlySpan<SaltedLeaf> NextSalted(NodeId origin, ref long next, long to, ref int budget)
    {
        if (next > to || budget <= 0)
        {
            return [];
        }

        var page = _page.AsSpan(0, Math.Min(_page.Length, budget));
        var read = View.ReadLeaves(origin, next, to, page);
        budget -= Math.Max(1, read);
        next = read < page.Length ? to + 1 : page[read - 1].Seq + 1;
        Span<byte> leaf = stackalloc byte[32];
        Span<byte> hash = stackalloc byte[32];
        for (var i = 0; i < read; i++)
        {
            page[i].WriteLeaf(leaf);
            RangeSum.SaltedHash(Salt, leaf, hash);
            _salted[i] = new SaltedLeaf(page[i].Seq, BinaryPrimitives.ReadUInt128LittleEndian(hash), BinaryPrimitives.ReadUInt128LittleEndian(hash[16..]));
        }

        return _salted.AsSpan(0, read);
    }

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
