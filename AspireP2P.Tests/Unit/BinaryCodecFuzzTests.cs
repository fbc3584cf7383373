using AspireP2P.Node.Broadcast;
using AspireP2P.Node.Membership;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Protocol.Binary;
using AspireP2P.Node.Reconciliation;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// A peer controls every byte of a frame. Whatever they are — random, cut short anywhere, any bit flipped, lengths that
/// claim gigabytes — decoding gives a message or a rejection reason to count, never an exception, and allocates in
/// proportion to the frame, never to what a length claims.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class BinaryCodecFuzzTests : IDisposable
{
    private readonly TestFeed _origin = new(9);

    [Fact]
    public void RandomBytesGiveAMessageOrAReason()
    {
        var random = new Random(1);
        var reasons = new Dictionary<BinaryReject, int>();
        for (var i = 0; i < 20_000; i++)
        {
            var frame = new byte[random.Next(0, 300)];
            random.NextBytes(frame);
            if (frame.Length > 0 && i % 2 == 0)
            {
                frame[0] = (byte)random.Next(1, 12);
            }

            Count(reasons, Decode(frame));
        }

        TestContext.Current.TestOutputHelper?.WriteLine("random frames: " + string.Join(", ", reasons.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}")));
        Assert.True(reasons.GetValueOrDefault(BinaryReject.UnknownType) > 0 && reasons.GetValueOrDefault(BinaryReject.Truncated) > 0);
    }

    [Fact]
    public void EveryTruncationOfEveryKindOfFrameIsRejected()
    {
        foreach (var frame in ValidFrames())
        {
            Assert.NotNull(Decode(frame).Message);
            for (var length = 0; length < frame.Length; length++)
            {
                var result = Decode(frame.AsSpan(0, length).ToArray());
                Assert.Null(result.Message);
                Assert.NotEqual(BinaryReject.None, result.Reason);
            }

            Assert.Equal(BinaryReject.TrailingBytes, Decode([.. frame, 0]).Reason);
        }
    }

    [Fact]
    public void EveryBitFlipOfEveryKindOfFrameDecodesOrIsRejected()
    {
        var reasons = new Dictionary<BinaryReject, int>();
        foreach (var frame in ValidFrames())
        {
            for (var bit = 0; bit < frame.Length * 8; bit++)
            {
                var flipped = (byte[])frame.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                Count(reasons, Decode(flipped));
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine("bit flips: " + string.Join(", ", reasons.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}")));
        Assert.True(reasons.GetValueOrDefault(BinaryReject.None) > 0 && reasons.Keys.Count > 3);
    }

    [Theory]
    [InlineData(BinaryMessageType.Records)]
    [InlineData(BinaryMessageType.Reconcile)]
    [InlineData(BinaryMessageType.IHave)]
    [InlineData(BinaryMessageType.Shuffle)]
    [InlineData(BinaryMessageType.Heartbeat)]
    public void HugeLengthsAndCountsAllocateNothingTheyClaim(BinaryMessageType type)
    {
        var huge = new FrameWriter();
        huge.Byte((byte)type);
        for (var i = 0; i < 6; i++)
        {
            huge.VarInt(ulong.MaxValue >> (i * 3));
            huge.VarInt(int.MaxValue);
        }

        var result = Decode(huge.ToArray());

        Assert.Null(result.Message);
        Assert.Contains(result.Reason, (BinaryReject[])[BinaryReject.Truncated, BinaryReject.Invalid, BinaryReject.TooLarge]);
    }

    [Fact]
    public void AValueOverTheCapIsRejectedAsTooLargeWithoutReadingIt()
    {
        var frame = BinaryCodec.Encode(RecordBatches.Build([_origin.Sign(1, $"\"{new string('x', 2000)}\"")], null, false, e => (1, null, null))!);

        var result = BinaryCodec.Decode(frame, maxValueBytes: 1000);

        Assert.Equal(BinaryReject.TooLarge, result.Reason);
    }

    [Fact]
    public void AValueThatIsNotOneJsonValueIsRejected()
    {
        foreach (var value in new[] { "{", "1 2", "\"unterminated", "nul" })
        {
            var frame = BinaryCodec.Encode(new RecordBatch(_origin.Id, null, new byte[64], 1,
                [new BatchEntry(0, 1, 1, Node.Records.EntryTraits.None, null, System.Text.Encoding.UTF8.GetBytes(value), 1, null, null)], [], false));

            Assert.Equal(BinaryReject.Invalid, BinaryCodec.Decode(frame).Reason);
        }
    }

    /// <summary>One frame of each kind, records in several shapes, for truncation and bit flips.</summary>
    private IEnumerable<byte[]> ValidFrames()
    {
        var batch = _origin.SignBatch([.. Enumerable.Range(1, 5).Select(i => ((long)i, $"\"v{i}\""))]);
        yield return BinaryCodec.Encode(RecordBatches.Build(batch, _origin.PublicKey, false, e => (2, null, "a=b"))!);
        yield return BinaryCodec.Encode(RecordBatches.Build(batch[1..3], null, true, e => (1, null, null))!);
        yield return BinaryCodec.Encode(new IHaveMessage([new OriginSeqs(_origin.Id, [(1, 3), (9, 9)])]));
        yield return BinaryCodec.Encode(new PruneMessage([_origin.Id]));
        var member = new Member(_origin.Id, PeerAddress.TryParse("127.0.0.1:4040", out var address, out _) ? address : default);
        yield return BinaryCodec.Encode(new ShuffleMessage(5, member, 3, [member]));
        yield return BinaryCodec.Encode(new ForwardJoinMessage(member, 2));
        yield return BinaryCodec.Encode(new HeartbeatFrame(12345, 3, 4, 0, 1, [address]));
        yield return BinaryCodec.Encode(new ReconcileMessage(1, true, new byte[16], false, false, 3,
            [new FeedFingerprintItem(new OriginPrefix(2, 0x3C), 4, 99), new FeedSummariesItem(OriginPrefix.Root, [new FeedSummaryItem(_origin.Id, 9, [2, 3], 1)]),
             new SeqListItem(_origin.Id, 1, 9, [new SeqEntry(2, 5)]), new NeedItem(_origin.Id, [(4, 6)])]));
    }

    /// <summary>Decodes, asserting no exception and allocation bounded by the frame's size.</summary>
    private static BinaryDecodeResult Decode(byte[] frame)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = BinaryCodec.Decode(frame);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= (16 * frame.Length) + 8192, $"{allocated} bytes allocated decoding {frame.Length} ({result.Reason}: {result.Detail}) {Convert.ToHexString(frame)}");
        Assert.True(result.Message is not null ^ result.Reason != BinaryReject.None);
        return result;
    }

    private static void Count(Dictionary<BinaryReject, int> reasons, BinaryDecodeResult result) =>
        reasons[result.Reason] = reasons.GetValueOrDefault(result.Reason) + 1;

    public void Dispose() => _origin.Dispose();
}
