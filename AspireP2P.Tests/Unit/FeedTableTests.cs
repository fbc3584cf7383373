using AspireP2P.Node.Reconciliation;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The feed table keeps, per feed, what reconciliation compares: its published snapshot is the same whatever order the
/// entries arrived in, changes only in the feeds that changed, and costs a few hundred bytes a feed, never a byte per entry.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class FeedTableTests
{
    [Fact]
    public void TheSnapshotIsTheSameWhateverOrderTheEntriesArrivedIn()
    {
        var entries = Enumerable.Range(0, 30).SelectMany(f => Enumerable.Range(1, 20).Select(s => (GeneratedFeeds.Origin(4, f), (long)s))).ToList();
        var inOrder = Table(entries);
        var shuffled = Table(entries.OrderBy(e => HashCode.Combine(e.Item1, e.Item2)));
        var published = inOrder.Publish();

        Assert.Equal(published.Root, shuffled.Publish().Root);
        Assert.Equal(FeedSnapshot.Of(published.Feeds).Root, published.Root);
        Assert.Equal(GeneratedFeeds.Contiguous(30, 20, seed: 4).Feeds.Root, published.Root);
        Assert.Equal(600, published.Entries);
    }

    [Fact]
    public void PublishingAgainRehashesOnlyWhatChangedAndKeepsTheRootExact()
    {
        var table = Table(Enumerable.Range(0, 50).SelectMany(f => Enumerable.Range(1, 5).Select(s => (GeneratedFeeds.Origin(6, f), (long)s))));
        var before = table.Publish();
        Span<byte> leaf = stackalloc byte[32];
        var changed = GeneratedFeeds.Origin(6, 7);
        GeneratedFeeds.Leaf(changed, 9, 0, leaf);

        Assert.True(table.Add(changed, 9, leaf));
        Assert.False(table.Add(changed, 9, leaf));
        var after = table.Publish();

        Assert.Same(after, table.Publish());
        Assert.NotEqual(before.Root, after.Root);
        Assert.Equal(FeedSnapshot.Of(after.Feeds).Root, after.Root);
        Assert.Equal(49, before.Feeds.Zip(after.Feeds).Count(pair => ReferenceEquals(pair.First, pair.Second)));
        Assert.Equal([6L, 8L], after.Find(changed)!.Gaps);
    }

    [Fact]
    public void ReplacingAnEntryChangesItsFeedAndReplacingBackRestoresIt()
    {
        var origin = GeneratedFeeds.Origin(2, 0);
        var table = Table(Enumerable.Range(1, 10).Select(s => (origin, (long)s)));
        var original = table.Publish().Root;
        Span<byte> old = stackalloc byte[32];
        Span<byte> other = stackalloc byte[32];
        GeneratedFeeds.Leaf(origin, 4, 0, old);
        GeneratedFeeds.Leaf(origin, 4, 1, other);

        table.Replace(origin, 4, old, other);
        var replaced = table.Publish().Root;
        table.Replace(origin, 4, other, old);

        Assert.NotEqual(original, replaced);
        Assert.Equal(original, table.Publish().Root);
    }

    [Fact]
    public void AFeedCostsUnderAKilobyteWhateverItsLength()
    {
        const int feeds = 20_000;
        var retainedBefore = GC.GetTotalMemory(forceFullCollection: true);
        var table = new FeedTable();
        Span<byte> leaf = stackalloc byte[32];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var f = 0; f < feeds; f++)
        {
            var origin = GeneratedFeeds.Origin(12, f);
            GeneratedFeeds.Leaf(origin, 1, 0, leaf);
            table.Add(origin, 1, leaf);
        }

        table.Publish();
        var perFeed = (GC.GetAllocatedBytesForCurrentThread() - before) / feeds;
        for (var seq = 2; seq <= 50; seq++)
        {
            var origin = GeneratedFeeds.Origin(12, 0);
            GeneratedFeeds.Leaf(origin, seq, 0, leaf);
            table.Add(origin, seq, leaf);
        }

        var retained = (GC.GetTotalMemory(forceFullCollection: true) - retainedBefore) / feeds;
        GC.KeepAlive(table);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"feed table: {perFeed} bytes allocated per feed (20,000 feeds, published once), about {retained} retained (other tests running alongside move this one)");
        Assert.InRange(perFeed, 100, 1024);
    }

    private static FeedTable Table(IEnumerable<(Node.Identity.NodeId Origin, long Seq)> entries)
    {
        var table = new FeedTable();
        Span<byte> leaf = stackalloc byte[32];
        foreach (var (origin, seq) in entries)
        {
            GeneratedFeeds.Leaf(origin, seq, 0, leaf);
            Assert.True(table.Add(origin, seq, leaf));
        }

        return table;
    }
}
