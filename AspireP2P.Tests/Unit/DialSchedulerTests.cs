using AspireP2P.Node.Hosting;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// When peers are dialed again. Issue 21 saw a partitioned node re-dial every 130–230 ms with an attempt count that never
/// grew: a link that opened and dropped at once reset the count and was re-dialed after the shortest delay, for ever.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class DialSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly NodeOptions Options = new() { ReconnectMinDelay = TimeSpan.FromMilliseconds(250), ReconnectMaxDelay = TimeSpan.FromSeconds(5) };

    [Fact]
    public void ALinkThatDropsAtOnceIsRedialedLaterEachTimeUpToTheCap()
    {
        var dials = new DialScheduler(Options, Start);
        var entry = new PeerEntry(new PeerAddress("127.0.0.1", 4000, false), PeerOrigin.Bootstrap);
        var now = Start;
        var delays = new List<TimeSpan>();
        for (var round = 0; round < 8; round++)
        {
            DialScheduler.Dialing(entry);
            DialScheduler.Linked(entry, now);
            now += TimeSpan.FromMilliseconds(100);
            delays.Add(dials.Closed(entry, now, random: 1));
            now += delays[^1];
        }

        Assert.Equal([250, 500, 1000, 2000, 4000, 5000, 5000, 5000], delays.Select(d => d.TotalMilliseconds));
        Assert.Equal(8, entry.Attempts);
        Assert.Equal(PeerState.Retrying, entry.State);
    }

    [Fact]
    public void ALinkThatStayedUpStartsTheStreakOver()
    {
        var dials = new DialScheduler(Options, Start);
        var entry = new PeerEntry(new PeerAddress("127.0.0.1", 4000, false), PeerOrigin.Bootstrap);
        for (var i = 0; i < 5; i++)
        {
            DialScheduler.Dialing(entry);
            dials.Failed(entry, Start, random: 1);
        }

        DialScheduler.Dialing(entry);
        DialScheduler.Linked(entry, Start);
        var delay = dials.Closed(entry, Start + dials.StableAfter, random: 1);

        Assert.Equal(TimeSpan.FromMilliseconds(250), delay);
        Assert.Equal(0, entry.Attempts);
        Assert.Equal(Start + dials.StableAfter + delay, entry.NextAttemptAt);
    }

    [Fact]
    public void AConnectedPeerShowsNoAttemptsOnceItsLinkIsStable()
    {
        var dials = new DialScheduler(Options, Start);
        var entry = new PeerEntry(new PeerAddress("127.0.0.1", 4000, false), PeerOrigin.Api);
        DialScheduler.Dialing(entry);
        DialScheduler.Dialing(entry);
        DialScheduler.Linked(entry, Start);

        dials.Settle(entry, Start + dials.StableAfter - TimeSpan.FromSeconds(1));
        Assert.Equal(2, entry.Attempts);
        dials.Settle(entry, Start + dials.StableAfter);
        Assert.Equal(0, entry.Attempts);
    }

    [Fact]
    public void FailedDialsBackOffAndComeDueOnlyWhenTheDelayHasPassed()
    {
        var dials = new DialScheduler(Options, Start);
        var entry = new PeerEntry(new PeerAddress("127.0.0.1", 4000, false), PeerOrigin.Bootstrap);
        DialScheduler.Dialing(entry);
        var delay = dials.Failed(entry, Start, random: 0);

        Assert.Equal(TimeSpan.FromMilliseconds(125), delay);
        Assert.False(DialScheduler.IsDue(entry, Start + delay - TimeSpan.FromMilliseconds(1)));
        Assert.True(DialScheduler.IsDue(entry, Start + delay));
        Assert.Equal(Start + delay, DialScheduler.NextDue([entry]));
    }

    [Fact]
    public void DialsAreRateLimited()
    {
        var dials = new DialScheduler(new NodeOptions { DialsPerSecond = 3 }, Start);

        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => dials.TryTake()));
        dials.Refill(Start + TimeSpan.FromMilliseconds(700));
        Assert.Equal([true, true, false], Enumerable.Range(0, 3).Select(_ => dials.TryTake()));
    }
}
