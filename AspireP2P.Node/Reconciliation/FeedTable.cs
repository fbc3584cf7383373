using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// What reconciliation needs to know of each feed, kept per feed and never per entry: the seqs held (a
/// <see cref="FeedIndex"/>: the highest seq and the gaps below it), the number of entries, and their
/// <see cref="ContentSum"/>. About 300 bytes a feed in all. Entries come in by their leaf hash, in any order.
/// <para>Not thread-safe: one owner (the record store, under its lock) adds and publishes. <see cref="Publish"/> turns the
/// feeds that changed since the last call into an immutable <see cref="FeedSnapshot"/> (one digest per changed feed, not
/// per entry), which sessions read from any thread; the owner publishes once per heartbeat, or when a session starts.</para>
/// </summary>
public sealed class FeedTable
{
    private readonly FeedIndex _index = new();
    private readonly Dictionary<NodeId, FeedContent> _content = [];
    private readonly List<FeedContent> _dirty = [];
    private RangeSum _root;
    private long _entries;
    private bool _newFeeds;
    private FeedSnapshot _published = FeedSnapshot.Empty;

    public int FeedCount => _content.Count;

    public long EntryCount => _entries;

    public bool Contains(NodeId origin, long seq) => _index.Contains(origin, seq);

    /// <summary>A feed's seqs as of now (high and gaps): what a session's need is trimmed by.</summary>
    public FeedSummary? Summarize(NodeId origin) => _index.Summarize(origin);

    /// <summary>Records the entry (origin, seq) with its leaf hash; false when it is already held (or its feed has too many gaps).</summary>
    public bool Add(NodeId origin, long seq, ReadOnlySpan<byte> leaf)
    {
        if (!_index.Add(origin, seq, 0))
        {
            return false;
        }

        if (!_content.TryGetValue(origin, out var feed))
        {
            _content[origin] = feed = new FeedContent(origin);
            _newFeeds = true;
        }

        feed.Sum.Add(leaf);
        feed.Count++;
        _entries++;
        Touch(feed);
        return true;
    }

    /// <summary>The entry held at (origin, seq) was replaced by another (the origin signed two; the smaller leaf won).</summary>
    public void Replace(NodeId origin, long seq, ReadOnlySpan<byte> oldLeaf, ReadOnlySpan<byte> newLeaf)
    {
        if (!_index.Contains(origin, seq) || !_content.TryGetValue(origin, out var feed))
        {
            return;
        }

        feed.Sum.Subtract(oldLeaf);
        feed.Sum.Add(newLeaf);
        Touch(feed);
    }

    /// <summary>The feeds as of now, sorted; only the feeds changed since the last call are hashed again.</summary>
    public FeedSnapshot Publish()
    {
        if (_dirty.Count == 0)
        {
            return _published;
        }

        Span<byte> digest = stackalloc byte[32];
        foreach (var feed in _dirty)
        {
            feed.Dirty = false;
            if (feed.Published is { } old)
            {
                old.WriteDigest(digest);
                _root.SubtractHash(digest);
            }

            var summary = _index.Summarize(feed.Origin)!;
            var gaps = summary.Gaps.Length == 0 ? [] : summary.Gaps;
            feed.Published = new PublishedFeed(feed.Origin, feed.Count, summary.High, gaps, feed.Sum);
            feed.Published.WriteDigest(digest);
            _root.AddHash(digest);
        }

        PublishedFeed[] feeds;
        if (_newFeeds)
        {
            feeds = [.. _content.Values.Select(f => f.Published!)];
            Array.Sort(feeds, static (a, b) => a.Origin.CompareTo(b.Origin));
            for (var i = 0; i < feeds.Length; i++)
            {
                _content[feeds[i].Origin].Slot = i;
            }

            _newFeeds = false;
        }
        else
        {
            feeds = (PublishedFeed[])_published.Feeds.Clone();
            foreach (var feed in _dirty)
            {
                feeds[feed.Slot] = feed.Published!;
            }
        }

        _dirty.Clear();

        _published = new FeedSnapshot(feeds, _root.Fingerprint(), _entries);
        return _published;
    }

    private void Touch(FeedContent feed)
    {
        if (!feed.Dirty)
        {
            feed.Dirty = true;
            _dirty.Add(feed);
        }
    }

    private sealed class FeedContent(NodeId origin)
    {
        public ContentSum Sum;

        public NodeId Origin { get; } = origin;

        public long Count { get; set; }

        public bool Dirty { get; set; }

        public int Slot { get; set; }

        public PublishedFeed? Published { get; set; }
    }
}
