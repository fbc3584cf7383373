using AspireP2P.Node.Broadcast;
using AspireP2P.Node.Identity;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// Plumtree's rules, one policy on a fake clock: records go in full on eager links and are announced on lazy ones; a
/// duplicate turns its link lazy for that origin only; an announced record that does not come is grafted, from one
/// announcer then the next; a graft makes the link eager and asks for the records; tutorial links are always eager.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class EagerLazyPolicyTests
{
    private static readonly NodeId Alice = GeneratedFeeds.Origin(60, 1);
    private static readonly NodeId Bob = GeneratedFeeds.Origin(60, 2);
    private readonly FakeTimeProvider _time = new();
    private readonly HashSet<RecordId> _held = [];
    private readonly EagerLazyPolicy _policy;

    public EagerLazyPolicyTests()
    {
        _policy = new EagerLazyPolicy(new BroadcastOptions(), _time, _held.Contains);
        foreach (var link in new long[] { 1, 2, 3 })
        {
            _policy.LinkUp(link, lazyCapable: true);
        }
    }

    [Fact]
    public void ANewRecordGoesInFullOnEveryLinkButTheOneItCameOn()
    {
        Assert.Equal([2L, 3L], Receive(1, new RecordId(Alice, 1)));
        Assert.Equal([1L, 2L, 3L], _policy.Received(null, new RecordId(Alice, 2), isNew: true));
        Assert.Empty(Drain());
    }

    [Fact]
    public void ADuplicateTurnsItsLinkLazyForThatOriginOnlyAndTellsTheSender()
    {
        Receive(1, new RecordId(Alice, 1));
        _policy.Received(2, new RecordId(Alice, 1), isNew: false);

        var prune = Assert.IsType<SendPrune>(Assert.Single(Drain()));
        Assert.Equal((2L, Alice), (prune.Link, Assert.Single(prune.Message.Origins)));
        Assert.False(_policy.IsEager(2, Alice));
        Assert.True(_policy.IsEager(2, Bob));
        Assert.Equal([3L], Receive(1, new RecordId(Alice, 2)));
        _policy.Received(2, new RecordId(Alice, 1), isNew: false);
        Assert.Empty(Drain());
    }

    [Fact]
    public void LazyLinksGetTheRecordsAnnouncedInOneBatchPerTick()
    {
        _policy.ReceivePrune(3, new PruneMessage([Alice, Bob]));

        Receive(1, new RecordId(Alice, 5));
        Receive(1, new RecordId(Alice, 6));
        Receive(1, new RecordId(Bob, 1));
        _policy.Tick();

        var ihave = Assert.IsType<SendIHave>(Assert.Single(Drain()));
        Assert.Equal(3, ihave.Link);
        Assert.Equal([(Alice, "(5, 6)"), (Bob, "(1, 1)")], ihave.Message.Records.Select(r => (r.Origin, string.Join(",", r.Ranges))).OrderBy(r => r.Item1));
    }

    [Fact]
    public void AnAnnouncedRecordThatDoesNotComeIsGraftedFromOneAnnouncerThenTheNext()
    {
        var id = new RecordId(Alice, 7);
        _policy.ReceivePrune(2, new PruneMessage([Alice]));
        _policy.ReceiveIHave(2, Announce(id));
        _policy.ReceiveIHave(3, Announce(id));

        _time.Advance(TimeSpan.FromMilliseconds(200));
        _policy.Tick();
        Assert.Empty(Drain());
        _time.Advance(TimeSpan.FromMilliseconds(60));
        _policy.Tick();
        var first = Assert.IsType<SendGraft>(Assert.Single(Drain()));
        Assert.True(_policy.IsEager(2, Alice));
        _time.Advance(new BroadcastOptions().RegraftTimeout);
        _policy.Tick();
        var second = Assert.IsType<SendGraft>(Assert.Single(Drain()));

        Assert.Equal(2, first.Link);
        Assert.Equal(3, second.Link);
        Assert.Equal((Alice, 7L, 7L), (first.Message.Records[0].Origin, first.Message.Records[0].Ranges[0].From, first.Message.Records[0].Ranges[0].To));
    }

    [Fact]
    public void ARecordThatArrivesBeforeItsTimerIsNotGrafted()
    {
        var id = new RecordId(Alice, 3);
        _policy.ReceiveIHave(2, Announce(id));

        Receive(1, id);
        _time.Advance(TimeSpan.FromSeconds(1));
        _policy.Tick();

        Assert.DoesNotContain(Drain(), a => a is SendGraft);
        Assert.Equal(0, _policy.MissingCount);
    }

    [Fact]
    public void ARecordHeldAlreadyIsNotFollowed()
    {
        _held.Add(new RecordId(Bob, 9));

        _policy.ReceiveIHave(2, Announce(new RecordId(Bob, 9)));

        Assert.Equal(0, _policy.MissingCount);
    }

    [Fact]
    public void AGraftMakesTheLinkEagerAndAsksForTheRecords()
    {
        _policy.ReceivePrune(3, new PruneMessage([Alice]));
        var graft = new GraftMessage([new OriginSeqs(Alice, [(4, 5)])]);

        _policy.ReceiveGraft(3, graft);

        Assert.True(_policy.IsEager(3, Alice));
        Assert.Equal(new SendRecords(3, graft.Records), Assert.Single(Drain()));
    }

    [Fact]
    public void ATutorialLinkIsAlwaysEagerAndNeverPruned()
    {
        _policy.LinkUp(9, lazyCapable: false);

        _policy.ReceivePrune(9, new PruneMessage([Alice]));
        Receive(1, new RecordId(Alice, 1));
        _policy.Received(9, new RecordId(Alice, 1), isNew: false);

        Assert.True(_policy.IsEager(9, Alice));
        Assert.Empty(Drain());
    }

    [Fact]
    public void ALinkThatGoesDownIsNoLongerAnAnnouncerAndALinkUpInItsPlaceStartsEager()
    {
        var id = new RecordId(Alice, 11);
        _policy.ReceivePrune(2, new PruneMessage([Alice]));
        _policy.ReceiveIHave(2, Announce(id));

        _policy.LinkDown(2);
        _policy.LinkUp(4, lazyCapable: true);
        _time.Advance(TimeSpan.FromSeconds(1));
        _policy.Tick();

        Assert.DoesNotContain(Drain(), a => a is SendGraft);
        Assert.True(_policy.IsEager(4, Alice));
    }

    [Fact]
    public void MoreMissingRecordsThanTheBoundDropTheOldest()
    {
        var policy = new EagerLazyPolicy(new BroadcastOptions { MaxMissing = 10 }, _time, _ => false);
        policy.LinkUp(1, lazyCapable: true);

        policy.ReceiveIHave(1, new IHaveMessage([new OriginSeqs(Alice, [(1, 40)])]));

        Assert.Equal(10, policy.MissingCount);
    }

    [Fact]
    public void ALongAnnouncedRangeIsLeftToReconciliation()
    {
        _policy.ReceiveIHave(2, new IHaveMessage([new OriginSeqs(Alice, [(1, 1_000)])]));

        Assert.Equal(0, _policy.MissingCount);
    }

    private IReadOnlyList<long> Receive(long link, RecordId id)
    {
        _held.Add(id);
        return _policy.Received(link, id, isNew: true);
    }

    private static IHaveMessage Announce(RecordId id) => new([new OriginSeqs(id.Origin, [(id.Seq, id.Seq)])]);

    private List<BroadcastAction> Drain()
    {
        var actions = new List<BroadcastAction>();
        while (_policy.Actions.TryDequeue(out var action))
        {
            actions.Add(action);
        }

        return actions;
    }
}
