using AspireP2P.Node.Identity;
using AspireP2P.Node.Reconciliation;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// A peer controls every message it sends. Whatever it sends, a session answers within its bounds or gives up — the
/// session, never the node: no exception, no unbounded state, a reason to count — and the next session starts afresh.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class ReconcileHostilePeerTests
{
    private static readonly byte[] Salt = Enumerable.Repeat((byte)5, 16).ToArray();
    private readonly GeneratedFeeds _view = GeneratedFeeds.Contiguous(200, 10, seed: 21);

    [Fact]
    public void AnOpeningWithoutASaltIsRefused()
    {
        var session = ReconcileSession.Accept(new ReconcileMessage(1, true, null, false, false, 0, []), _view);

        Assert.True(session.IsDone);
        Assert.Contains("salt", session.Abandoned);
        Assert.Null(session.Receive(new ReconcileMessage(1, true, null, false, false, 0, []), 0));
    }

    [Theory]
    [MemberData(nameof(BrokenItems))]
    public void AnItemThatBreaksTheProtocolEndsTheSession(string why, ReconcileItem item)
    {
        var session = Responder();

        var reply = session.Receive(new ReconcileMessage(1, true, null, false, false, 0, [item]), 0);

        Assert.Null(reply);
        Assert.True(session.IsDone, why);
        Assert.NotNull(session.Abandoned);
    }

    public static TheoryData<string, ReconcileItem> BrokenItems()
    {
        var origin = GeneratedFeeds.Origin(99, 0);
        var first = new NodeId(0x1000_0000_0000_0000, 1);
        return new()
        {
            { "a feed outside the range it lists", new FeedSummariesItem(new OriginPrefix(1, 0xF), [new FeedSummaryItem(first, 3, [], 0)]) },
            { "gaps out of order", new FeedSummariesItem(OriginPrefix.Root, [new FeedSummaryItem(origin, 10, [5, 6, 2, 3], 0)]) },
            { "a gap at the high mark", new FeedSummariesItem(OriginPrefix.Root, [new FeedSummaryItem(origin, 10, [9, 10], 0)]) },
            { "a prefix deeper than an id", new FeedFingerprintItem(new OriginPrefix(33, 0), 1, 0) },
            { "prefix bits beyond its depth", new FeedFingerprintItem(new OriginPrefix(1, 0x1F), 1, 0) },
            { "a seq list out of order", new SeqListItem(origin, 1, 100, [new SeqEntry(5, 0), new SeqEntry(3, 0)]) },
            { "a seq list beyond its range", new SeqListItem(origin, 1, 10, [new SeqEntry(11, 0)]) },
            { "a seq range ending before it starts", new SeqFingerprintItem(origin, 10, 5, 1, 0) },
            { "a need of seq 0", new NeedItem(origin, [(0, 4)]) },
        };
    }

    [Fact]
    public void AMessageOfAnotherSessionEndsThisOne()
    {
        var session = Responder();

        Assert.Null(session.Receive(new ReconcileMessage(2, true, null, false, false, 0, []), 0));
        Assert.Contains("another session", session.Abandoned);
    }

    [Fact]
    public void APeerThatAlwaysHasMoreIsGivenUpAfterTheStepLimit()
    {
        var limits = new ReconcileLimits { MaxSteps = 20 };
        var session = ReconcileSession.Open(1, Salt, _view, 0, out _, limits);
        var steps = 0;
        while (session.Receive(new ReconcileMessage(1, false, null, More: true, false, 0, []), 0) is not null)
        {
            steps++;
        }

        Assert.Equal(20, steps);
        Assert.Contains("steps", session.Abandoned);
    }

    [Fact]
    public void MoreRangesThanMayWaitEndTheSessionInsteadOfGrowingIt()
    {
        var limits = new ReconcileLimits { MaxPending = 100 };
        var session = ReconcileSession.Accept(new ReconcileMessage(1, true, Salt, false, false, 0, []), _view, limits);
        var flood = Enumerable.Range(0, 101).Select(i => (ReconcileItem)new FeedFingerprintItem(OriginPrefix.Root, i + 1, (UInt128)i)).ToList();

        Assert.Null(session.Receive(new ReconcileMessage(1, true, null, false, false, 0, flood), 0));
        Assert.Contains("pending", session.Abandoned);
    }

    [Fact]
    public void EveryReplyStaysWithinTheByteBudgetWhateverItAnswers()
    {
        var limits = new ReconcileLimits { MaxMessageBytes = 1024 };
        var session = ReconcileSession.Accept(new ReconcileMessage(1, true, Salt, false, false, 0, []), _view, limits);
        var asks = Enumerable.Range(0, 16).Select(d => (ReconcileItem)new FeedFingerprintItem(OriginPrefix.Root.Child(d), 1, 0)).ToList();

        var reply = session.Receive(new ReconcileMessage(1, true, null, false, false, 0, asks), 0)!;
        var frames = 0;
        while (reply is { Items.Count: > 0 } || reply is { More: true })
        {
            Assert.True(Node.Protocol.Binary.BinaryCodec.Encode(reply).Length <= 1024);
            frames++;
            reply = session.Receive(new ReconcileMessage(1, true, null, false, false, 0, []), 0);
            if (reply is null)
            {
                break;
            }
        }

        Assert.True(frames > 1);
    }

    private ReconcileSession Responder() => ReconcileSession.Accept(new ReconcileMessage(1, true, Salt, false, false, 0, []), _view);
}
