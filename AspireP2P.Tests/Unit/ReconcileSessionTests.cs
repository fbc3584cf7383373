using AspireP2P.Node.Identity;
using AspireP2P.Node.Reconciliation;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// Repair whose cost follows the difference: two nodes that hold the same entries exchange one fingerprint; one entry
/// that differs among 10,000 feeds and a million entries is found in three round trips and under 2 KB; every kind of
/// difference (a missing entry, a missing feed, an entry signed twice, many at once) ends with each side pushing exactly
/// what the other lacks. Each run prints what crossed the wire.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class ReconcileSessionTests(MillionEntries million) : IClassFixture<MillionEntries>
{
    [Fact]
    public void IdenticalNodesExchangeOneFingerprintAndAtMost100Bytes()
    {
        var run = ReconcileRun.Between(million.Feeds, million.Feeds);

        Print("identical, 10,000 feeds / 1,000,000 entries", run);
        Assert.Null(run.Abandoned);
        Assert.Equal(1, run.RoundTrips);
        Assert.True(run.Bytes <= 100, run.ToString());
        Assert.Empty(run.InitiatorPushes);
        Assert.Empty(run.ResponderPushes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OneEntryMissingAmongAMillionIsFoundInThreeRoundTripsAndUnder2KB(bool initiatorHoldsIt)
    {
        var origin = MillionEntries.Origin(1234);
        var lacking = million.Feeds.With((origin, new FeedSpec(origin, [(1, 56), (58, 100)])));
        var (initiator, responder) = initiatorHoldsIt ? (million.Feeds, lacking) : (lacking, million.Feeds);

        var run = ReconcileRun.Between(initiator, responder);

        Print($"one entry missing on the {(initiatorHoldsIt ? "responder" : "initiator")}", run);
        Assert.Null(run.Abandoned);
        Assert.True(run.RoundTrips <= 3, run.ToString());
        Assert.True(run.Bytes <= 2048, run.ToString());
        var (holder, other) = initiatorHoldsIt ? (run.InitiatorPushes, run.ResponderPushes) : (run.ResponderPushes, run.InitiatorPushes);
        Assert.Equal([new PushRange(origin, 57, 57)], holder);
        Assert.Empty(other);
    }

    [Fact]
    public void TheLastEntryOfAFeedMissingIsFoundTheSameWay()
    {
        var origin = MillionEntries.Origin(9_999);
        var run = ReconcileRun.Between(million.Feeds.With((origin, new FeedSpec(origin, [(1, 99)]))), million.Feeds);

        Print("the last entry of a feed missing on the initiator", run);
        Assert.True(run.RoundTrips <= 3, run.ToString());
        Assert.True(run.Bytes <= 2048, run.ToString());
        Assert.Equal([new PushRange(origin, 100, 100)], run.ResponderPushes);
        Assert.Empty(run.InitiatorPushes);
    }

    [Fact]
    public void AnEntryTheOriginSignedTwiceIsFoundAndGoesBothWays()
    {
        var origin = MillionEntries.Origin(42);
        var twice = million.Feeds.With((origin, new FeedSpec(origin, [(1, 100)], new Dictionary<long, int> { [57] = 1 })));

        var run = ReconcileRun.Between(million.Feeds, twice);

        Print("one entry with other content under the same seq (signed twice)", run);
        Assert.Null(run.Abandoned);
        Assert.Equal([new PushRange(origin, 57, 57)], run.InitiatorPushes);
        Assert.Equal([new PushRange(origin, 57, 57)], run.ResponderPushes);
        Assert.True(run.Bytes <= 4096, run.ToString());
    }

    [Fact]
    public void AFeedOneSideLacksEntirelyIsPushedWhole()
    {
        var origin = MillionEntries.Origin(77);
        var run = ReconcileRun.Between(million.Feeds, million.Feeds.With((origin, null)));

        Print("a whole feed missing on the responder", run);
        Assert.Equal([new PushRange(origin, 1, 100)], run.InitiatorPushes);
        Assert.Empty(run.ResponderPushes);
        Assert.True(run.RoundTrips <= 3, run.ToString());
    }

    [Fact]
    public void ANodeThatHoldsNothingGetsEverythingInOneRoundTrip()
    {
        var small = GeneratedFeeds.Contiguous(500, 10, seed: 5);
        var run = ReconcileRun.Between(new GeneratedFeeds([]), small);

        Print("an empty node and 500 feeds", run);
        Assert.Equal(1, run.RoundTrips);
        Assert.Equal(500, run.ResponderPushes.Count);
        Assert.All(run.ResponderPushes, p => Assert.Equal((1L, 10L), (p.From, p.To)));
    }

    [Fact]
    public void ManyDifferencesOfEveryKindEndWithEachSidePushingExactlyWhatTheOtherLacks()
    {
        var (a, b) = ScatteredDifferences(feeds: 3_000, differing: 400, seed: 11);

        var run = ReconcileRun.Between(a, b);

        Print("400 of 3,000 feeds differing in every way", run);
        Assert.Null(run.Abandoned);
        AssertPushesAreTheDifference(a, b, run.InitiatorPushes, run.ResponderPushes);
    }

    [Fact]
    public void SmallBudgetsStretchASessionOverMoreStepsAndFindTheSameDifference()
    {
        var (a, b) = ScatteredDifferences(feeds: 1_000, differing: 120, seed: 3);
        var tight = new ReconcileLimits { MaxMessageBytes = 600, MaxWorkPerStep = 40 };

        var roomy = ReconcileRun.Between(a, b);
        var stretched = ReconcileRun.Between(a, b, tight);

        Print("120 of 1,000 feeds differing, default budgets", roomy);
        Print("the same with 600-byte messages and 40 units of work per step", stretched);
        Assert.Null(stretched.Abandoned);
        Assert.True(stretched.RoundTrips > roomy.RoundTrips);
        AssertPushesAreTheDifference(a, b, stretched.InitiatorPushes, stretched.ResponderPushes);
    }

    [Fact]
    public void AFeedWithManyGapsIsComparedBySeqRanges()
    {
        var origin = GeneratedFeeds.Origin(8, 0);
        var gappy = Enumerable.Range(0, 40).Select(i => ((long)(i * 10) + 1, (long)(i * 10) + 5)).ToList();
        var fewer = gappy.Where((_, i) => i != 17).ToList();
        var a = new GeneratedFeeds([new FeedSpec(origin, gappy)]);
        var b = new GeneratedFeeds([new FeedSpec(origin, fewer)]);

        var run = ReconcileRun.Between(a, b);

        Print("a feed of 40 gaps missing one run of 5", run);
        Assert.Equal([new PushRange(origin, 171, 175)], run.InitiatorPushes);
        Assert.Empty(run.ResponderPushes);
    }

    [Fact]
    public void SessionsWithDifferentSaltsFingerprintTheSameSetDifferently()
    {
        var view = GeneratedFeeds.Contiguous(20, 5, seed: 9);

        ReconcileSession.Open(1, Enumerable.Repeat((byte)1, 16).ToArray(), view, 0, out var first);
        ReconcileSession.Open(1, Enumerable.Repeat((byte)2, 16).ToArray(), view, 0, out var second);

        Assert.NotEqual(((FeedFingerprintItem)first.Items[0]).Fingerprint, ((FeedFingerprintItem)second.Items[0]).Fingerprint);
    }

    /// <summary>
    /// Two views of <paramref name="feeds"/> feeds of which <paramref name="differing"/> differ: entries missing on either
    /// side (at the end, in the middle, in gaps), feeds only one side holds, entries signed twice.
    /// </summary>
    internal static (GeneratedFeeds A, GeneratedFeeds B) ScatteredDifferences(int feeds, int differing, int seed)
    {
        var random = new Random(seed);
        var a = GeneratedFeeds.Contiguous(feeds, 20, seed);
        var changesA = new List<(NodeId, FeedSpec?)>();
        var changesB = new List<(NodeId, FeedSpec?)>();
        foreach (var index in Enumerable.Range(0, feeds).OrderBy(_ => random.Next()).Take(differing))
        {
            var origin = GeneratedFeeds.Origin(seed, index);
            switch (random.Next(6))
            {
                case 0: changesB.Add((origin, new FeedSpec(origin, [(1, 20 - random.Next(1, 10))]))); break;
                case 1: changesA.Add((origin, new FeedSpec(origin, [(1, 5), (9, 20)]))); break;
                case 2: changesB.Add((origin, null)); break;
                case 3: changesA.Add((origin, null)); break;
                case 4: changesB.Add((origin, new FeedSpec(origin, [(1, 20)], new Dictionary<long, int> { [random.Next(1, 21)] = 1 }))); break;
                default: changesA.Add((origin, new FeedSpec(origin, [(1, 3), (6, 6), (10, 25)]))); break;
            }
        }

        var extra = GeneratedFeeds.Origin(seed + 1000, 0);
        changesB.Add((extra, new FeedSpec(extra, [(1, 7)])));
        return (a.With([.. changesA]), a.With([.. changesB]));
    }

    /// <summary>Each side's pushes, expanded to the entries it holds, are exactly what the other lacks or holds with other content.</summary>
    internal static void AssertPushesAreTheDifference(GeneratedFeeds a, GeneratedFeeds b, List<PushRange> fromA, List<PushRange> fromB)
    {
        Assert.Equal(Difference(a, b), Expand(a, fromA));
        Assert.Equal(Difference(b, a), Expand(b, fromB));
    }

    private static SortedSet<(NodeId, long)> Difference(GeneratedFeeds holder, GeneratedFeeds other)
    {
        var set = new SortedSet<(NodeId, long)>();
        foreach (var spec in holder.Specs.Values)
        {
            other.Specs.TryGetValue(spec.Origin, out var theirs);
            foreach (var (from, to) in spec.Held)
            {
                for (var seq = from; seq <= to; seq++)
                {
                    var held = theirs is not null && theirs.Held.Any(r => r.From <= seq && seq <= r.To);
                    if (!held || theirs!.VersionOf(seq) != spec.VersionOf(seq))
                    {
                        set.Add((spec.Origin, seq));
                    }
                }
            }
        }

        return set;
    }

    private static SortedSet<(NodeId, long)> Expand(GeneratedFeeds holder, List<PushRange> pushes)
    {
        var set = new SortedSet<(NodeId, long)>();
        foreach (var push in pushes)
        {
            var spec = holder.Specs[push.Origin];
            foreach (var (from, to) in spec.Held)
            {
                for (var seq = Math.Max(from, push.From); seq <= Math.Min(to, push.To); seq++)
                {
                    Assert.True(set.Add((push.Origin, seq)), $"{push.Origin}-{seq} pushed twice");
                }
            }
        }

        return set;
    }

    private static void Print(string what, ReconcileRun run) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"reconcile, {what}: {run}");
}

/// <summary>10,000 feeds of 100 entries (one million), built once for the class: the issue's size.</summary>
public sealed class MillionEntries
{
    public GeneratedFeeds Feeds { get; } = GeneratedFeeds.Contiguous(10_000, 100, seed: 1);

    public static NodeId Origin(int index) => GeneratedFeeds.Origin(1, index);
}
