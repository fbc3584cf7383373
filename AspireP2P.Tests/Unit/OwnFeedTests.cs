using AspireP2P.Node.Records;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// A node never issues one sequence number twice, even across crashes: an entry that left the node before its log kept
/// it must never meet a different entry under the same (origin, seq). After a clean stop the feed continues where it
/// stopped; after anything else it continues past what it had reserved.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class OwnFeedTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("aspirep2p-feed-").FullName;

    [Fact]
    public void WithoutADataDirectoryTheFeedCountsOnFromWhatTheLogHolds()
    {
        var feed = new OwnFeed(dataDirectory: null, highest: 41);

        Assert.Equal([42L, 43L, 44L], [feed.Next(), feed.Next(), feed.Next()]);
        Assert.Equal(44, feed.Last);
        Assert.False(feed.ResumedAfterCrash);
    }

    [Fact]
    public void AfterACleanStopTheFeedContinuesWithoutAGap()
    {
        var first = new OwnFeed(_dataDir, highest: 0);
        var issued = Issue(first, 5);
        first.MarkClean();

        var second = new OwnFeed(_dataDir, highest: 5);

        Assert.Equal([1L, 2L, 3L, 4L, 5L], issued);
        Assert.Equal(6, second.Next());
        Assert.False(second.ResumedAfterCrash);
    }

    [Fact]
    public void AfterACleanStopTheFeedContinuesEvenIfItsLogLostTheTail()
    {
        // The records of a clean stop are all in the log; should the log still come back shorter, the state file knows better.
        var first = new OwnFeed(_dataDir, highest: 0);
        Issue(first, 5);
        first.MarkClean();

        Assert.Equal(6, new OwnFeed(_dataDir, highest: 2).Next());
    }

    [Fact]
    public void AfterACrashTheFeedSkipsPastItsReservation()
    {
        var crashed = new OwnFeed(_dataDir, highest: 0);
        var issued = Issue(crashed, 5);

        // No MarkClean: the process died. Its log may hold fewer than it issued (records can leave before they are durable).
        var restarted = new OwnFeed(_dataDir, highest: 3);
        var next = restarted.Next();

        Assert.True(restarted.ResumedAfterCrash);
        Assert.True(next > issued.Max(), $"issued {next} after {issued.Max()}");
    }

    [Fact]
    public void NoSeqIsEverIssuedTwiceAcrossCleanStopsCrashesAndLostLogTails()
    {
        // Runs of a node, each issuing some seqs (sometimes past one reservation block) and ending cleanly or not; the
        // highest seq its log still holds at the next start may be anything from 0 to what it issued.
        var random = new Random(20261127);
        var issued = new HashSet<long>();
        var logHigh = 0L;
        for (var run = 0; run < 40; run++)
        {
            var feed = new OwnFeed(_dataDir, logHigh);
            var count = random.Next(4) == 0 ? random.Next(4000, 9000) : random.Next(0, 50);
            foreach (var seq in Issue(feed, count))
            {
                Assert.True(issued.Add(seq), $"seq {seq} was issued twice (run {run})");
            }

            var clean = random.Next(2) == 0;
            if (clean)
            {
                feed.MarkClean();
                logHigh = feed.Last;
            }
            else
            {
                // A crash: the log keeps some prefix of what it was given.
                logHigh = random.Next(3) switch
                {
                    0 => feed.Last,
                    1 => 0,
                    _ => (long)(feed.Last * random.NextDouble()),
                };
            }
        }

        Assert.True(issued.Count > 1000);
    }

    [Fact]
    public void ACleanStopFollowedByACrashStillSkipsWhatTheCrashedRunIssued()
    {
        var first = new OwnFeed(_dataDir, highest: 0);
        Issue(first, 3);
        first.MarkClean();

        var second = new OwnFeed(_dataDir, highest: 3);
        var lost = Issue(second, 3);

        var third = new OwnFeed(_dataDir, highest: 3);
        Assert.True(third.Next() > lost.Max());
        Assert.True(third.ResumedAfterCrash);
    }

    [Fact]
    public void AStateFileThatIsNotOneStopsTheNodeRatherThanGuess()
    {
        File.WriteAllBytes(Path.Combine(_dataDir, OwnFeed.FileName), [1, 2, 3]);

        var error = Assert.Throws<InvalidDataException>(() => new OwnFeed(_dataDir, highest: 0));
        Assert.Contains(OwnFeed.FileName, error.Message, StringComparison.Ordinal);
    }

    private static long[] Issue(OwnFeed feed, int count) => Enumerable.Range(0, count).Select(_ => feed.Next()).ToArray();

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
