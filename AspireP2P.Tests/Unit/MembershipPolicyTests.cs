using AspireP2P.Node.Membership;
using AspireP2P.Node.Protocol;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// HyParView's rules, one policy at a time on a fake clock: a node joins through its contact and the join walks on;
/// a full node takes a node that has nothing (evicting one of its own) but refuses one that only wants more, naming
/// others; a failed link is replaced from the passive view; shuffles refresh it and their replies find their way back.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class MembershipPolicyTests
{
    private static readonly MembershipOptions Options = new() { ActiveSize = 3, PassiveSize = 6, ActiveWalkLength = 4, PassiveWalkLength = 2 };
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void ANewNodeDialsItsContactWithHighPriorityAndSendsJoinOnceLinked()
    {
        var policy = Policy(0);

        policy.Join(M(1));

        Assert.Equal(new ConnectAction(M(1), HighPriority: true), Next(policy));
        policy.Connected(M(1));
        Assert.Equal(new SendAction(M(1), new JoinMessage()), Next(policy));
        Assert.Equal([M(1)], policy.Active);
    }

    [Fact]
    public void AContactForwardsAJoinToEachOtherActiveMember()
    {
        var contact = WithActive(0, 1, 2);

        Assert.True(contact.AcceptLink(M(9), highPriority: true, out _));
        contact.Receive(M(9), new JoinMessage());

        var forwards = Drain(contact).OfType<SendAction>().ToList();
        Assert.Equal([M(1), M(2)], forwards.Select(f => f.Peer));
        Assert.All(forwards, f => Assert.Equal(new ForwardJoinMessage(M(9), 4), f.Message));
        Assert.Contains(M(9), contact.Active);
    }

    [Fact]
    public void AJoinWalksOnUntilItsTimeToLiveEndsThenTheLastNodeTakesTheJoinerIn()
    {
        var walker = WithActive(0, 1, 2);

        walker.Receive(M(1), new ForwardJoinMessage(M(9), 3));
        var forwarded = Assert.IsType<SendAction>(Assert.Single(Drain(walker)));
        walker.Receive(M(1), new ForwardJoinMessage(M(8), 2));
        Drain(walker);
        walker.Receive(M(1), new ForwardJoinMessage(M(7), 0));

        Assert.Equal(M(2), forwarded.Peer);
        Assert.Equal(new ForwardJoinMessage(M(9), 2), forwarded.Message);
        Assert.Contains(M(8), walker.Passive);
        Assert.Equal(new ConnectAction(M(7), HighPriority: true), Assert.Single(Drain(walker)));
    }

    [Fact]
    public void AFullNodeRefusesALowPriorityDialNamingItsPeersButTakesAHighPriorityOneEvictingAnother()
    {
        var full = WithActive(0, 1, 2, 3, 4);

        Assert.False(full.AcceptLink(M(8), highPriority: false, out var alternatives));
        Assert.NotEmpty(alternatives);
        Assert.All(alternatives, a => Assert.Contains(a, full.Active));
        Assert.Contains(M(8), full.Passive);

        Assert.True(full.AcceptLink(M(9), highPriority: true, out _));
        var actions = Drain(full);
        var evicted = Assert.IsType<SendAction>(actions[0]);
        Assert.IsType<DisconnectMessage>(evicted.Message);
        Assert.Equal(new CloseAction(evicted.Peer), actions[1]);
        Assert.Contains(M(9), full.Active);
        Assert.Equal(Options.AcceptLimit, full.Active.Count);
        Assert.Contains(evicted.Peer, full.Passive);
    }

    [Fact]
    public void AFailedLinkIsReplacedFromThePassiveViewAtTheNextTick()
    {
        var policy = WithActive(0, 1, 2, 3);
        policy.ConnectRefused(M(7), [M(5), M(6)]);
        Drain(policy);

        policy.LinkClosed(M(1));
        policy.Tick();

        var dial = Assert.IsType<ConnectAction>(Assert.Single(Drain(policy)));
        Assert.Contains(dial.Peer, new[] { M(5), M(6), M(7) });
        Assert.False(dial.HighPriority);
    }

    [Fact]
    public void ANodeThatLostEveryLinkDialsWithHighPriority()
    {
        var policy = WithActive(0, 1);
        policy.Receive(M(2), new ShuffleMessage(1, M(2), 1, [M(5)]));
        Drain(policy);

        policy.LinkClosed(M(1));
        policy.Tick();

        Assert.Equal(new ConnectAction(M(5), HighPriority: true), Drain(policy).OfType<ConnectAction>().Single());
    }

    [Fact]
    public void ADeadPassiveMemberIsForgottenAndTheNextOneTried()
    {
        var policy = WithActive(0, 1, 2, 3);
        policy.ConnectRefused(M(7), [M(5)]);
        Drain(policy);
        policy.LinkClosed(M(1));
        policy.Tick();
        var first = Assert.IsType<ConnectAction>(Assert.Single(Drain(policy)));

        policy.ConnectFailed(first.Peer);
        _time.Advance(Options.PromoteInterval);
        policy.Tick();

        Assert.DoesNotContain(first.Peer, policy.Passive);
        var second = Assert.IsType<ConnectAction>(Assert.Single(Drain(policy).OfType<ConnectAction>()));
        Assert.NotEqual(first.Peer, second.Peer);
    }

    [Fact]
    public void AShuffleWalksOnThenItsReplyTravelsTheWalkBackToItsOrigin()
    {
        var origin = WithActive(0, 1);
        _time.Advance(Options.ShuffleInterval * 2);
        origin.Tick();
        var shuffle = Drain(origin).OfType<SendAction>().Single(a => a.Message is ShuffleMessage);
        var sent = (ShuffleMessage)shuffle.Message;
        Assert.Contains(M(0), sent.Sample);

        var middle = WithActive(1, 0, 2);
        middle.Receive(M(0), sent);
        var onward = Assert.IsType<SendAction>(Assert.Single(Drain(middle)));
        Assert.Equal(M(2), onward.Peer);

        var end = WithActive(2, 1);
        end.ConnectRefused(M(8), [M(6)]);
        Drain(end);
        end.Receive(M(1), (ShuffleMessage)onward.Message with { TimeToLive = 1 });
        var reply = Assert.IsType<SendAction>(Assert.Single(Drain(end)));
        Assert.Equal(M(1), reply.Peer);
        Assert.Contains(M(0), end.Passive);

        middle.Receive(M(2), reply.Message);
        var back = Assert.IsType<SendAction>(Assert.Single(Drain(middle)));
        Assert.Equal(M(0), back.Peer);
        origin.Receive(M(1), back.Message);
        Assert.Subset(origin.Passive.ToHashSet(), ((ShuffleReplyMessage)back.Message).Sample.ToHashSet());
        Assert.NotEmpty(origin.Passive);
    }

    [Fact]
    public void ANodeAtItsTargetRotatesOneLinkAndDropsAnotherOnceTheNewOneIsUp()
    {
        var policy = WithActive(0, 1, 2, 3);
        policy.ConnectRefused(M(7), []);
        Drain(policy);

        _time.Advance(Options.RotateInterval * 2);
        policy.Tick();
        var dial = Assert.IsType<ConnectAction>(Drain(policy).Single(a => a is ConnectAction));
        policy.Connected(dial.Peer);

        var actions = Drain(policy);
        Assert.False(dial.HighPriority);
        Assert.IsType<DisconnectMessage>(Assert.IsType<SendAction>(actions[0]).Message);
        Assert.Equal(3, policy.Active.Count);
        Assert.Contains(dial.Peer, policy.Active);
    }

    [Fact]
    public void TheSameSeedGivesTheSameActions()
    {
        static List<string> Run(int seed)
        {
            var time = new FakeTimeProvider();
            var policy = new MembershipPolicy(M(0), Options, time, new Random(seed));
            foreach (var peer in new[] { 1, 2, 3, 4, 5 })
            {
                policy.AcceptLink(M(peer), highPriority: true, out _);
            }

            var seen = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                time.Advance(TimeSpan.FromSeconds(3));
                policy.Tick();
                while (policy.Actions.TryDequeue(out var action))
                {
                    seen.Add(action.ToString()!);
                }
            }

            return seen;
        }

        Assert.Equal(Run(4), Run(4));
        Assert.NotEqual(Run(4), Run(5));
    }

    private MembershipPolicy Policy(int self) => new(M(self), Options, _time, new Random(self + 1));

    /// <summary>A node already linked to <paramref name="peers"/> (accepted in that order).</summary>
    private MembershipPolicy WithActive(int self, params int[] peers)
    {
        var policy = Policy(self);
        foreach (var peer in peers)
        {
            policy.AcceptLink(M(peer), highPriority: true, out _);
        }

        Drain(policy);
        return policy;
    }

    private static List<MembershipAction> Drain(MembershipPolicy policy)
    {
        var actions = new List<MembershipAction>();
        while (policy.Actions.TryDequeue(out var action))
        {
            actions.Add(action);
        }

        return actions;
    }

    private static MembershipAction Next(MembershipPolicy policy) => policy.Actions.Dequeue();

    private static Member M(int i) => new(GeneratedFeeds.Origin(50, i), new PeerAddress($"127.0.0.{i + 1}", 3030, false));
}
