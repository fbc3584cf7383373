using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// Every feed a node holds, sorted by origin, as of one <see cref="FeedTable.Publish"/>: immutable, so sessions on any
/// link read it without the store's lock. <see cref="Root"/> is the unsalted fingerprint of the whole set, which the
/// heartbeat carries: equal roots mean equal sets (a root is only a hint to reconcile sooner; sessions never trust it).
/// </summary>
public sealed class FeedSnapshot(PublishedFeed[] feeds, UInt128 root, long entries)
{
    public static FeedSnapshot Empty { get; } = new([], new RangeSum().Fingerprint(), 0);

    /// <summary>A snapshot of these feeds (sorted here), its root computed from them all.</summary>
    public static FeedSnapshot Of(IEnumerable<PublishedFeed> feeds)
    {
        var sorted = feeds.ToArray();
        Array.Sort(sorted, static (a, b) => a.Origin.CompareTo(b.Origin));
        var root = default(RangeSum);
        Span<byte> digest = stackalloc byte[32];
        long entries = 0;
        foreach (var feed in sorted)
        {
            feed.WriteDigest(digest);
            root.AddHash(digest);
            entries += feed.Count;
        }

        return new FeedSnapshot(sorted, root.Fingerprint(), entries);
    }

    /// <summary>Sorted by origin, each origin once.</summary>
    public PublishedFeed[] Feeds { get; } = feeds;

    public UInt128 Root { get; } = root;

    public long Entries { get; } = entries;

    /// <summary>Index of the first feed whose origin is ≥ <paramref name="origin"/> (the array's length if none).</summary>
    public int LowerBound(UInt128 origin)
    {
        int low = 0, high = Feeds.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (Key(Feeds[middle].Origin) < origin)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    public PublishedFeed? Find(NodeId origin)
    {
        var index = LowerBound(Key(origin));
        return index < Feeds.Length && Feeds[index].Origin == origin ? Feeds[index] : null;
    }

    /// <summary>An origin as a 128-bit number, the order of the sorted feeds and of <see cref="OriginPrefix"/>.</summary>
    public static UInt128 Key(NodeId origin) => new(origin.High, origin.Low);
}
