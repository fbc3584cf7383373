using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Records;

/// <summary>
/// Which entries a node holds, feed by feed, in memory that grows with the number of feeds and gaps, not records:
/// per origin the highest seq seen and the ranges below it still missing (entries arrive out of order; an origin that
/// crashed skips the seqs it had reserved). "Have I seen it?" is a range check. It also keeps the node's
/// <see cref="FeedDigest"/> up to date, one feed at a time. A feed costs about 64 bytes (a value in the table, no object
/// of its own, its digest part recomputed when needed), plus its gaps when it has any: a node may hold a hundred thousand
/// feeds. Not thread-safe: <see cref="RecordStore"/> owns it.
/// </summary>
public sealed class FeedIndex
{
    /// <summary>An origin's feed may not have more gaps than this; entries that would open more wait for the gaps to fill.</summary>
    public const int MaxGaps = 4096;

    private readonly Dictionary<NodeId, Feed> _feeds = [];
    private readonly List<NodeId> _dirty = [];
    private NodeId[]? _sorted;
    private FeedDigest _digest;
    private long _changes;

    /// <summary>
    /// The digest of every feed. A feed's part of it (a SHA-256 of the feed's state) is recomputed when the digest is read,
    /// once for all the changes since: one hash per feed per heartbeat, not per record (nor per row at start).
    /// </summary>
    public FeedDigest Digest
    {
        get
        {
            foreach (var origin in _dirty)
            {
                ref var feed = ref CollectionsMarshal.GetValueRefOrNullRef(_feeds, origin);
                feed.Dirty = false;
                _digest = _digest.Combine(Contribution(origin, in feed));
            }

            _dirty.Clear();
            return _digest;
        }
    }

    /// <summary>Counts every change; a feed remembers the count of its last one, so "what changed since" is cheap to answer.</summary>
    public long Changes => _changes;

    public int FeedCount => _feeds.Count;

    public bool Contains(NodeId origin, long seq) => _feeds.TryGetValue(origin, out var feed) && feed.Contains(seq);

    /// <summary>False when already held, or when it would open more than <see cref="MaxGaps"/> gaps.</summary>
    public bool CanAdd(NodeId origin, long seq) =>
        seq >= 1 && (!_feeds.TryGetValue(origin, out var feed) || (!feed.Contains(seq) && (seq <= feed.High + 1 || feed.GapCount < MaxGaps)));

    /// <summary>Whether the origin's public key is in the log already (it is written once per feed).</summary>
    public bool KeyStored(NodeId origin) => _feeds.TryGetValue(origin, out var feed) && feed.KeyStored;

    /// <summary>Notes that the origin's public key is in the log; the feed must be held.</summary>
    public void MarkKeyStored(NodeId origin)
    {
        ref var feed = ref CollectionsMarshal.GetValueRefOrNullRef(_feeds, origin);
        if (!Unsafe.IsNullRef(ref feed))
        {
            feed.KeyStored = true;
        }
    }

    /// <summary>Records (origin, seq) as held; false when it already was (or cannot be, see <see cref="CanAdd"/>).</summary>
    public bool Add(NodeId origin, long seq, ulong contentHash)
    {
        if (!CanAdd(origin, seq))
        {
            return false;
        }

        ref var feed = ref CollectionsMarshal.GetValueRefOrAddDefault(_feeds, origin, out var existed);
        if (!existed)
        {
            _sorted = null;
        }

        Touch(origin, ref feed);
        feed.Add(seq, contentHash);
        feed.ChangedAt = ++_changes;
        return true;
    }

    /// <summary>The entry at (origin, seq) was replaced by another with a different content hash.</summary>
    public void Replace(NodeId origin, long seq, ulong oldHash, ulong newHash)
    {
        ref var feed = ref CollectionsMarshal.GetValueRefOrNullRef(_feeds, origin);
        if (Unsafe.IsNullRef(ref feed) || !feed.Contains(seq))
        {
            return;
        }

        Touch(origin, ref feed);
        feed.ContentXor ^= oldHash ^ newHash;
        feed.ChangedAt = ++_changes;
    }

    /// <summary>Takes a feed's part out of the digest until it is read again (see <see cref="Digest"/>).</summary>
    private void Touch(NodeId origin, ref Feed feed)
    {
        if (!feed.Dirty)
        {
            // A feed just created has never been part of the digest; any other clean feed is, with its current state.
            if (feed.High > 0)
            {
                _digest = _digest.Combine(Contribution(origin, in feed));
            }

            feed.Dirty = true;
            _dirty.Add(origin);
        }
    }

    public FeedSummary? Summarize(NodeId origin) => _feeds.TryGetValue(origin, out var feed) ? feed.Summarize(origin) : null;

    /// <summary>
    /// The feeds that changed after change number <paramref name="since"/>, in origin order (the order is kept between
    /// calls until a feed is added: a full vector of a hundred thousand feeds every 30 s would otherwise sort them each time).
    /// </summary>
    public List<FeedSummary> SummarizeSince(long since)
    {
        if (_sorted is null)
        {
            _sorted = [.. _feeds.Keys];
            Array.Sort(_sorted);
        }

        var summaries = new List<FeedSummary>(since == 0 ? _sorted.Length : 16);
        foreach (var origin in _sorted)
        {
            ref var feed = ref CollectionsMarshal.GetValueRefOrNullRef(_feeds, origin);
            if (feed.ChangedAt > since)
            {
                summaries.Add(feed.Summarize(origin));
            }
        }

        return summaries;
    }

    /// <summary>
    /// What a peer whose view is <paramref name="theirs"/> lacks of every feed we hold, as seq ranges: one pass over our
    /// feeds, skipping at once those the peer holds exactly as we do.
    /// </summary>
    public List<(NodeId Origin, long From, long To)> Missing(IReadOnlyDictionary<NodeId, FeedView> theirs)
    {
        var missing = new List<(NodeId, long, long)>();
        foreach (var (origin, feed) in _feeds)
        {
            FeedView? their = theirs.TryGetValue(origin, out var view) ? view : null;
            if (their is { } same && same.High == feed.High && same.ContentXor == feed.ContentXor && same.GapCount == 0 && feed.GapCount == 0)
            {
                continue;
            }

            foreach (var (from, to) in MissingAt(feed.Summarize(origin), their))
            {
                missing.Add((origin, from, to));
            }
        }

        return missing;
    }

    /// <summary>The highest seq held of a feed (0 when none).</summary>
    public long High(NodeId origin) => _feeds.TryGetValue(origin, out var feed) ? feed.High : 0;

    /// <summary>
    /// What a peer lacks of one of our feeds, given its summary (null: it holds none of it). When both hold the same
    /// seqs but the content hashes differ, the origin signed two entries for one seq somewhere: the whole feed is sent,
    /// and each side keeps the winner of every conflict.
    /// </summary>
    public List<(long From, long To)> MissingAt(FeedSummary mine, FeedSummary? theirs) => MissingAt(mine, theirs is null ? null : FeedView.Of(theirs));

    private static List<(long From, long To)> MissingAt(FeedSummary mine, FeedView? view)
    {
        var held = SeqRanges.Held(mine.High, mine.Gaps);
        if (view is not { } theirs)
        {
            return held;
        }

        var missing = SeqRanges.Subtract(held, SeqRanges.Held(theirs.High, theirs.Gaps));
        // A content hash of 0 means "not summarized" (a feed too gappy for one message).
        return missing.Count == 0 && theirs.High == mine.High && theirs.ContentXor != 0 && theirs.ContentXor != mine.ContentXor
            && theirs.Gaps.AsSpan().SequenceEqual(mine.Gaps) ? held : missing;
    }

    /// <summary>A feed's part of the digest: SHA-256 over its whole state, so no sender can steer one feed's part to cancel another's.</summary>
    private static FeedDigest Contribution(NodeId origin, in Feed feed)
    {
        Span<byte> buffer = stackalloc byte[NodeId.ByteLength + 8 + 8 + 8];
        origin.Write(buffer);
        BinaryPrimitives.WriteInt64BigEndian(buffer[16..], feed.High);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[24..], feed.ContentXor);
        BinaryPrimitives.WriteUInt64BigEndian(buffer[32..], feed.GapsHash());
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer, hash);
        return new FeedDigest(BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]));
    }

    /// <summary>One feed, kept by value in the table (a node may hold a hundred thousand): its gap list exists once it has a gap.</summary>
    private struct Feed
    {
        public long High;
        public ulong ContentXor;

        /// <summary>The index's change count at this feed's last change.</summary>
        public long ChangedAt;

        /// <summary>Missing ranges below <see cref="High"/>, sorted, disjoint; null while there are none.</summary>
        public List<(long From, long To)>? Gaps;

        /// <summary>Changed since its part of the digest was last computed.</summary>
        public bool Dirty;

        /// <summary>Whether the origin's public key has been written to the log.</summary>
        public bool KeyStored;

        public readonly int GapCount => Gaps?.Count ?? 0;

        public readonly bool Contains(long seq) => seq >= 1 && seq <= High && GapIndex(seq) < 0;

        public void Add(long seq, ulong contentHash)
        {
            if (seq > High)
            {
                if (seq > High + 1)
                {
                    (Gaps ??= []).Add((High + 1, seq - 1));
                }

                High = seq;
            }
            else
            {
                var gaps = Gaps!;
                var index = GapIndex(seq);
                var (from, to) = gaps[index];
                gaps.RemoveAt(index);
                if (seq < to)
                {
                    gaps.Insert(index, (seq + 1, to));
                }

                if (seq > from)
                {
                    gaps.Insert(index, (from, seq - 1));
                }
            }

            ContentXor ^= contentHash;
        }

        public readonly FeedSummary Summarize(NodeId origin)
        {
            var count = GapCount;
            var gaps = count == 0 ? [] : new long[count * 2];
            for (var i = 0; i < count; i++)
            {
                gaps[2 * i] = Gaps![i].From;
                gaps[(2 * i) + 1] = Gaps[i].To;
            }

            return new FeedSummary(origin, High, ContentXor, gaps);
        }

        public readonly ulong GapsHash()
        {
            var count = GapCount;
            if (count == 0)
            {
                return 0;
            }

            var bytes = new byte[count * 16];
            for (var i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(i * 16), Gaps![i].From);
                BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan((i * 16) + 8), Gaps[i].To);
            }

            return BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(bytes));
        }

        /// <summary>Index of the gap holding <paramref name="seq"/>, or negative when no gap does.</summary>
        private readonly int GapIndex(long seq)
        {
            int low = 0, high = GapCount - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                var (from, to) = Gaps![middle];
                if (seq < from)
                {
                    high = middle - 1;
                }
                else if (seq > to)
                {
                    low = middle + 1;
                }
                else
                {
                    return middle;
                }
            }

            return -1;
        }
    }
}
