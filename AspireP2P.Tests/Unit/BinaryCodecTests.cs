using System.Diagnostics;
using AspireP2P.Node.Broadcast;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Membership;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Protocol.Binary;
using AspireP2P.Node.Reconciliation;
using AspireP2P.Node.Records;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>Every binary message our nodes exchange comes back from its bytes as it was sent; the small ones are small.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class BinaryCodecTests
{
    private static readonly NodeId Origin = GeneratedFeeds.Origin(30, 1);
    private static readonly Member Alice = new(GeneratedFeeds.Origin(30, 2), Address("127.0.0.1:4040"));
    private static readonly Member Bob = new(GeneratedFeeds.Origin(30, 3), Address("[::1]:5050"));

    [Fact]
    public void ARecordBatchComesBackFieldByField()
    {
        var trace = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var batch = new RecordBatch(Origin, new byte[32], new byte[64], 5,
        [
            new BatchEntry(0, 10, 1_700_000_000_000, EntryTraits.None, null, "{\"a\":1}"u8.ToArray(), 1, trace, "vendor=x"),
            new BatchEntry(2, 12, 1_700_000_000_005, EntryTraits.Adopted, "tutorial-key", "[1,2]"u8.ToArray(), 3, null, null),
            new BatchEntry(4, 11, 1_699_999_999_999, EntryTraits.None, Entry.KeyFor(Origin, 11), "null"u8.ToArray(), 0, null, null),
        ], new byte[64], Sync: true);

        var decoded = Assert.IsType<RecordBatch>(BinaryCodec.Decode(BinaryCodec.Encode(batch)).Message);

        Assert.Equal((batch.Origin, batch.LeafCount, batch.Sync), (decoded.Origin, decoded.LeafCount, decoded.Sync));
        Assert.Equal(batch.PublicKey, decoded.PublicKey);
        Assert.Equal(batch.Proof, decoded.Proof);
        Assert.Equal(3, decoded.Entries.Count);
        Assert.Equal((trace.TraceId, trace.SpanId, trace.TraceFlags), (decoded.Entries[0].Trace!.Value.TraceId, decoded.Entries[0].Trace!.Value.SpanId, decoded.Entries[0].Trace!.Value.TraceFlags));
        Assert.Equal("vendor=x", decoded.Entries[0].Tracestate);
        Assert.Equal("tutorial-key", decoded.Entries[1].Key);
        Assert.Null(decoded.Entries[2].Key);
        Assert.Equal(Entry.KeyFor(Origin, 11), decoded.Entries[2].KeyOf(Origin));
        Assert.Equal([(0, 10L, 1_700_000_000_000L, 1), (2, 12L, 1_700_000_000_005L, 3), (4, 11L, 1_699_999_999_999L, 0)],
            decoded.Entries.Select(e => (e.LeafIndex, e.Seq, e.CreatedAtMs, e.Hops)));
        Assert.Equal("[1,2]"u8.ToArray(), decoded.Entries[1].Value);
    }

    [Fact]
    public void AnnouncementsGraftsAndPrunesComeBack()
    {
        OriginSeqs[] records = [new(Origin, [(1, 1), (3, 9), (200, 200)]), new(Alice.Id, [(7, 7)])];

        var ihave = Assert.IsType<IHaveMessage>(BinaryCodec.Decode(BinaryCodec.Encode(new IHaveMessage(records))).Message);
        var graft = Assert.IsType<GraftMessage>(BinaryCodec.Decode(BinaryCodec.Encode(new GraftMessage(records))).Message);
        var prune = Assert.IsType<PruneMessage>(BinaryCodec.Decode(BinaryCodec.Encode(new PruneMessage([Origin, Bob.Id]))).Message);

        Assert.Equal(records.Select(r => (r.Origin, string.Join(",", r.Ranges))), ihave.Records.Select(r => (r.Origin, string.Join(",", r.Ranges))));
        Assert.Equal(records.Select(r => (r.Origin, string.Join(",", r.Ranges))), graft.Records.Select(r => (r.Origin, string.Join(",", r.Ranges))));
        Assert.Equal([Origin, Bob.Id], prune.Origins);
        Assert.True(BinaryCodec.Encode(new IHaveMessage([new(Origin, [(41, 41)])])).Length <= 22);
    }

    [Fact]
    public void AHeartbeatCarriesTheRootInSixteenBytes()
    {
        var heartbeat = new HeartbeatFrame(UInt128.MaxValue - 5, 10_000, 1_000_000, 3, 12_345, [Alice.Address, Bob.Address]);

        var frame = BinaryCodec.Encode(heartbeat);
        var decoded = Assert.IsType<HeartbeatFrame>(BinaryCodec.Decode(frame).Message);

        Assert.Equal(heartbeat with { Peers = [] }, decoded with { Peers = [] });
        Assert.Equal([Alice.Address, Bob.Address], decoded.Peers);
        TestContext.Current.TestOutputHelper?.WriteLine($"heartbeat: {frame.Length} bytes with two peers, {BinaryCodec.Encode(heartbeat with { Peers = [] }).Length} without");
        Assert.True(BinaryCodec.Encode(heartbeat with { Peers = [] }).Length <= 32);
    }

    [Fact]
    public void MembershipMessagesComeBack()
    {
        MembershipMessage[] messages =
        [
            new JoinMessage(),
            new ForwardJoinMessage(Alice, 6),
            new DisconnectMessage(),
            new ShuffleMessage(ulong.MaxValue, Alice, 5, [Alice, Bob]),
            new ShuffleReplyMessage(7, [Bob]),
        ];

        foreach (var message in messages)
        {
            var decoded = BinaryCodec.Decode(BinaryCodec.Encode(message)).Message;

            Assert.Equal(message.GetType(), decoded!.GetType());
            Assert.Equal(Describe(message), Describe((MembershipMessage)decoded));
        }
    }

    [Fact]
    public void AReconcileMessageComesBackItemByItem()
    {
        var message = new ReconcileMessage(99, true, new byte[16], More: true, End: false, 1234,
        [
            new FeedFingerprintItem(new OriginPrefix(3, 0xABC), 7, UInt128.MaxValue),
            new FeedFingerprintItem(OriginPrefix.Root, 0, new RangeSum().Fingerprint()),
            new FeedSummariesItem(new OriginPrefix(1, 0xE), [new FeedSummaryItem(new NodeId(0xE000_0000_0000_0001, 2), 100, [3, 4, 50, 60], 5), new FeedSummaryItem(new NodeId(0xEF00_0000_0000_0000, 9), 8, null, 6)]),
            new SeqFingerprintItem(Origin, 5, 900, 12, 77),
            new SeqListItem(Origin, 1, 50, [new SeqEntry(1, 10), new SeqEntry(49, ulong.MaxValue)]),
            new NeedItem(Origin, [(1, 1), (5, 9)]),
        ]);

        var decoded = Assert.IsType<ReconcileMessage>(BinaryCodec.Decode(BinaryCodec.Encode(message)).Message);

        Assert.Equal((message.Session, message.FromInitiator, message.More, message.End, message.Received), (decoded.Session, decoded.FromInitiator, decoded.More, decoded.End, decoded.Received));
        Assert.Equal(message.Salt, decoded.Salt);
        Assert.Equal(message.Items.Select(Describe), decoded.Items.Select(Describe));
    }

    private static string Describe(ReconcileItem item) => item switch
    {
        FeedSummariesItem s => $"{s.Range} " + string.Join(";", s.Feeds.Select(f => $"{f.Origin} {f.High} {(f.Gaps is null ? "-" : string.Join(",", f.Gaps))} {f.Fingerprint}")),
        SeqListItem l => $"{l.Origin} {l.From}-{l.To} {string.Join(",", l.Entries)}",
        NeedItem n => $"{n.Origin} {string.Join(",", n.Ranges)}",
        _ => item.ToString(),
    };

    private static string Describe(MembershipMessage message) => message switch
    {
        ShuffleMessage s => $"{s.Id} {s.Origin} {s.TimeToLive} {string.Join(",", s.Sample)}",
        ShuffleReplyMessage r => $"{r.Id} {string.Join(",", r.Sample)}",
        _ => message.ToString(),
    };

    private static PeerAddress Address(string text) => PeerAddress.TryParse(text, out var address, out var error) ? address : throw new ArgumentException(error);
}
