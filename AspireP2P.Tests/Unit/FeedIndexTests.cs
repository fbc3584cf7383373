using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// Which entries a node holds, per feed as a high mark and the gaps below it: "have I seen it?" for gossip, the digest
/// peers compare, and what a peer lacks for anti-entropy.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class FeedIndexTests
{
    private static readonly NodeId Alice = new(0x1111, 1);
    private static readonly NodeId Bob = new(0x2222, 2);

    [Fact]
    public void EntriesArrivingOutOfOrderOpenGapsThatCloseAsTheyFill()
    {
        var index = new FeedIndex();

        index.Add(Alice, 5, 5);
        Assert.Equal([1L, 4L], Summary(index).Gaps);
        index.Add(Alice, 2, 2);
        Assert.Equal([1L, 1L, 3L, 4L], Summary(index).Gaps);
        index.Add(Alice, 4, 4);
        Assert.Equal([1L, 1L, 3L, 3L], Summary(index).Gaps);
        index.Add(Alice, 1, 1);
        index.Add(Alice, 3, 3);

        var summary = Summary(index);
        Assert.Equal(5, summary.High);
        Assert.Empty(summary.Gaps);
        Assert.All(Enumerable.Range(1, 5), seq => Assert.True(index.Contains(Alice, seq)));
        Assert.False(index.Contains(Alice, 6));
        Assert.False(index.Contains(Alice, 0));
        Assert.False(index.Contains(Bob, 1));
        Assert.Equal(5, index.High(Alice));
        Assert.Equal(0, index.High(Bob));
    }

    [Fact]
    public void AGapIsSplitWhereAnEntryLandsInsideIt()
    {
        var index = new FeedIndex();
        index.Add(Alice, 10, 0);

        index.Add(Alice, 5, 0);

        Assert.Equal([1L, 4L, 6L, 9L], Summary(index).Gaps);
        Assert.True(index.Contains(Alice, 5));
        Assert.False(index.Contains(Alice, 4));
        Assert.False(index.Contains(Alice, 6));
    }

    [Fact]
    public void AnEntryHeldIsNotAddedAgainAndSeqsStartAtOne()
    {
        var index = new FeedIndex();
        Assert.True(index.Add(Alice, 1, 7));
        var digest = index.Digest;

        Assert.False(index.Add(Alice, 1, 8));
        Assert.False(index.Add(Alice, 0, 1));
        Assert.False(index.Add(Alice, -4, 1));
        Assert.False(index.CanAdd(Alice, 1));
        Assert.Equal(digest, index.Digest);
        Assert.Equal(7UL, Summary(index).ContentXor);
    }

    [Fact]
    public void AFeedMayNotOpenMoreThanMaxGapsButMayAlwaysGrowByOneOrFillAGap()
    {
        var index = new FeedIndex();
        for (var i = 1; i <= FeedIndex.MaxGaps; i++)
        {
            Assert.True(index.Add(Alice, 2L * i, 0));
        }

        var high = 2L * FeedIndex.MaxGaps;
        Assert.Equal(FeedIndex.MaxGaps, Summary(index).GapCount);
        Assert.False(index.CanAdd(Alice, high + 2));
        Assert.False(index.Add(Alice, high + 2, 0));
        Assert.False(index.Contains(Alice, high + 2));
        Assert.True(index.CanAdd(Alice, high + 1));
        Assert.True(index.CanAdd(Alice, 3));
        // The cap is per feed.
        Assert.True(index.CanAdd(Bob, 1_000_000));

        Assert.True(index.Add(Alice, 3, 0));
        Assert.True(index.CanAdd(Alice, high + 2));
    }

    [Fact]
    public void EqualHoldingsHaveEqualDigestsWhateverTheOrderTheyArrivedIn()
    {
        var forward = new FeedIndex();
        var backward = new FeedIndex();
        (NodeId Origin, long Seq, ulong Hash)[] entries = [(Alice, 1, 11), (Alice, 2, 12), (Bob, 1, 21), (Alice, 4, 14), (Bob, 3, 23)];

        foreach (var (origin, seq, hash) in entries)
        {
            forward.Add(origin, seq, hash);
        }

        foreach (var (origin, seq, hash) in entries.Reverse())
        {
            backward.Add(origin, seq, hash);
        }

        Assert.Equal(forward.Digest, backward.Digest);
        Assert.NotEqual(FeedDigest.Empty, forward.Digest);
        Assert.Equal(new FeedIndex().Digest, FeedDigest.Empty);
    }

    [Fact]
    public void TheDigestChangesWithEverySeqAndWithContentAtTheSameSeqs()
    {
        var index = new FeedIndex();
        var seen = new HashSet<FeedDigest> { index.Digest };
        foreach (var seq in new long[] { 3, 1, 2, 7 })
        {
            index.Add(Alice, seq, (ulong)seq);
            Assert.True(seen.Add(index.Digest), $"the digest after adding seq {seq} was seen before");
        }

        // Same seqs, one entry's content differs (an origin that signed twice): the digests differ.
        var twin = new FeedIndex();
        foreach (var seq in new long[] { 1, 2, 3, 7 })
        {
            twin.Add(Alice, seq, seq == 2 ? 99UL : (ulong)seq);
        }

        Assert.NotEqual(index.Digest, twin.Digest);
        twin.Replace(Alice, 2, 99, 2);
        Assert.Equal(index.Digest, twin.Digest);
    }

    [Fact]
    public void OneFeedsPartOfTheDigestCannotCancelAnothers()
    {
        // Feeds' parts are SHA-256 of each feed's whole state, XORed: two feeds with identical state do not cancel out.
        var one = new FeedIndex();
        var two = new FeedIndex();
        one.Add(Alice, 1, 5);
        two.Add(Alice, 1, 5);
        two.Add(Bob, 1, 5);

        Assert.NotEqual(one.Digest, two.Digest);
        Assert.NotEqual(FeedDigest.Empty, two.Digest);
    }

    [Fact]
    public void APeerWithoutTheFeedLacksAllOfIt()
    {
        var index = Holding(Alice, 1, 2, 3, 6, 7);

        Assert.Equal([(1L, 3L), (6L, 7L)], index.MissingAt(Summary(index), theirs: null));
    }

    [Fact]
    public void APeerLacksExactlyWhatItsSummaryDoesNotCover()
    {
        var index = Holding(Alice, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

        // It holds 1..2, 5 and 8 (high 8, gaps [3,4] and [6,7]).
        var theirs = new FeedSummary(Alice, 8, 0x1234, [3, 4, 6, 7]);

        Assert.Equal([(3L, 4L), (6L, 7L), (9L, 10L)], index.MissingAt(Summary(index), theirs));
    }

    [Fact]
    public void APeerHoldingMoreLacksNothing()
    {
        var index = Holding(Alice, 1, 2, 4);
        var theirs = Summary(Holding(Alice, 1, 2, 3, 4, 5));

        Assert.Empty(index.MissingAt(Summary(index), theirs));
    }

    [Fact]
    public void EqualSeqsWithEqualContentLackNothing()
    {
        var index = Holding(Alice, 1, 2, 5);

        Assert.Empty(index.MissingAt(Summary(index), Summary(Holding(Alice, 5, 2, 1))));
    }

    [Fact]
    public void EqualSeqsWithADifferentContentXorGetTheWholeFeed()
    {
        // The origin signed two entries for one seq and each node holds a different one: the seq ranges match, the XOR
        // of content hashes does not. Each side sends its whole feed and keeps the winner of every conflict.
        var index = Holding(Alice, 1, 2, 3, 5);
        var mine = Summary(index);
        var theirs = mine with { ContentXor = mine.ContentXor ^ 0xff };

        Assert.Equal([(1L, 3L), (5L, 5L)], index.MissingAt(mine, theirs));
    }

    [Fact]
    public void AContentXorOfZeroMeansNotSummarizedAndIsNotTakenForAConflict()
    {
        var index = Holding(Alice, 1, 2, 3);
        var mine = Summary(index);

        Assert.Empty(index.MissingAt(mine, mine with { ContentXor = 0 }));
    }

    [Fact]
    public void ADifferentContentXorWithDifferentSeqsSendsOnlyWhatIsMissing()
    {
        // The seqs differ, so the XORs are bound to: only the missing ranges go (the conflict check waits for equal seqs).
        var index = Holding(Alice, 1, 2, 3, 4);
        var theirs = Summary(Holding(Alice, 1, 2));

        Assert.Equal([(3L, 4L)], index.MissingAt(Summary(index), theirs));
    }

    [Fact]
    public void SummariesComeInOriginOrder()
    {
        var index = new FeedIndex();
        index.Add(Bob, 1, 1);
        index.Add(Alice, 1, 1);

        Assert.Equal([Alice, Bob], index.SummarizeSince(0).Select(s => s.Origin));
        Assert.Equal(2, index.FeedCount);
        Assert.Null(new FeedIndex().Summarize(Alice));
    }

    private static FeedIndex Holding(NodeId origin, params long[] seqs)
    {
        var index = new FeedIndex();
        foreach (var seq in seqs)
        {
            index.Add(origin, seq, (ulong)seq * 0x9E3779B97F4A7C15UL);
        }

        return index;
    }

    private static FeedSummary Summary(FeedIndex index) => index.Summarize(Alice)!;
}
