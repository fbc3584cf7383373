using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>The small policies the mesh loop runs: peer exchange, the anti-entropy schedule, health, the penalty box.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class MeshPoliciesTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly PeerAddress Self = new("127.0.0.1", 3030, false);

    [Fact]
    public void PeerExchangeLearnsOnlyAddressesItMayDialAndNeverItself()
    {
        var exchange = new PeerExchange(new DialPolicy([], []));

        var usable = exchange.Learn([Self, new("127.0.0.1", 4040, false), new("8.8.8.8", 53, false), new("10.0.0.7", 4000, false)], Self);

        Assert.Equal(["127.0.0.1:4040", "10.0.0.7:4000"], usable.Select(a => a.Key));
        Assert.Equal(2, exchange.Count);
    }

    [Fact]
    public void PeerExchangeKeepsABoundedListAndPicksOnlyAddressesNotKnownYet()
    {
        var exchange = new PeerExchange(new DialPolicy([], []));
        exchange.Learn(Enumerable.Range(1, 1000).Select(i => new PeerAddress("127.0.0.1", 10_000 + i, false)), Self);
        Assert.Equal(PeerExchange.MaxCandidates, exchange.Count);

        var fresh = exchange.Candidates.First();
        var known = exchange.Candidates.Skip(1).Select(a => a.Key).ToHashSet();
        var picked = exchange.PickFresh(exchange.Candidates, known.Contains, new Random(1));

        Assert.Equal(fresh, picked);
        Assert.Equal(PeerExchange.MaxCandidates - 1, exchange.Count);
        Assert.Null(exchange.PickFresh(exchange.Candidates, _ => true, new Random(1)));
    }

    [Fact]
    public void AFullVectorGoesOutOnScheduleWhateverTheDigestsSay()
    {
        var schedule = new AntiEntropySchedule(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
        schedule.Opened(1, Start);

        Assert.Equal(VectorDue.None, schedule.Due(1, Start + TimeSpan.FromSeconds(1), digestsDiffer: true));
        Assert.Equal(VectorDue.Delta, schedule.Due(1, Start + TimeSpan.FromSeconds(2), digestsDiffer: true));
        Assert.Equal(VectorDue.None, schedule.Due(1, Start + TimeSpan.FromSeconds(3), digestsDiffer: true));
        Assert.Equal(VectorDue.None, schedule.Due(1, Start + TimeSpan.FromSeconds(20), digestsDiffer: false));
        Assert.Equal(VectorDue.Full, schedule.Due(1, Start + TimeSpan.FromSeconds(30), digestsDiffer: false));
        Assert.Equal(VectorDue.None, schedule.Due(1, Start + TimeSpan.FromSeconds(31), digestsDiffer: true));
    }

    [Fact]
    public void HealthIsDegradedWhileABootstrapPeerIsMissingAndSaysSinceWhen()
    {
        var health = new MeshHealthPolicy();
        var bootstrap = new PeerEntry(new PeerAddress("127.0.0.1", 4040, false), PeerOrigin.Bootstrap) { LastError = "refused (401): no key" };

        var first = health.Evaluate(null, [bootstrap], [], 0, Start);
        var later = health.Evaluate(null, [bootstrap], [], 0, Start + TimeSpan.FromMinutes(1));
        bootstrap.Full = true;
        var fullButLinkedElsewhere = health.Evaluate(null, [bootstrap], [], 1, Start + TimeSpan.FromMinutes(2));
        var partitioned = health.Evaluate(Start + TimeSpan.FromMinutes(5), [], [], 0, Start + TimeSpan.FromMinutes(3));

        Assert.True(first.Degraded);
        Assert.Contains("bootstrap peer 127.0.0.1:4040 is not linked (refused (401): no key)", first.Reason);
        Assert.Equal(Start, later.Since);
        Assert.False(fullButLinkedElsewhere.Degraded);
        Assert.Contains("partitioned", partitioned.Reason);
        Assert.Equal(Start + TimeSpan.FromMinutes(3), partitioned.Since);
    }

    [Fact]
    public void AMisbehavingRemoteIsKeptOutLongerEachTimeUpToALimit()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start);
        var box = new PenaltyBox(time, capacity: 2);

        Assert.Equal(Start + PenaltyBox.FirstStay, box.Hold("127.0.0.1"));
        Assert.Equal(Start + (2 * PenaltyBox.FirstStay), box.Hold("127.0.0.1"));
        Assert.NotNull(box.HeldUntil("127.0.0.1"));
        Assert.Null(box.HeldUntil("10.0.0.1"));
        for (var i = 0; i < 20; i++)
        {
            box.Hold("127.0.0.1");
        }

        Assert.Equal(Start + PenaltyBox.LongestStay, box.HeldUntil("127.0.0.1"));
        time.Advance(PenaltyBox.LongestStay);
        Assert.Null(box.HeldUntil("127.0.0.1"));

        // Bounded: a third remote releases the one whose stay ends first.
        box.Hold("a");
        time.Advance(TimeSpan.FromSeconds(1));
        box.Hold("b");
        box.Hold("c");
        Assert.Null(box.HeldUntil("a"));
        Assert.NotNull(box.HeldUntil("c"));
    }

    [Theory]
    [InlineData("127.0.0.1:5555", "127.0.0.1")]
    [InlineData("[::1]:5555", "[::1]")]
    [InlineData("::1:5555", "::1")]
    [InlineData("node-7", "node-7")]
    public void APenaltyForAStrangerIsByItsAddressNotItsPort(string remote, string key) => Assert.Equal(key, PenaltyBox.HostOf(remote));

    [Fact]
    public void ATokenBucketAllowsABurstThenTheRate()
    {
        var bucket = new TokenBucket(capacity: 3, perSecond: 2, Start);

        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => bucket.TryTake(Start)));
        Assert.True(bucket.TryTake(Start + TimeSpan.FromMilliseconds(500)));
        Assert.False(bucket.TryTake(Start + TimeSpan.FromMilliseconds(500)));
        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => bucket.TryTake(Start + TimeSpan.FromHours(1))));
    }
}
