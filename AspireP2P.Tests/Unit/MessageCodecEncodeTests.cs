using System.Text;
using System.Text.Json;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// What our node writes must read correctly in the tutorial's node: it reads <c>type</c>, treats a HANDSHAKE
/// <c>payload</c> as <c>host:port</c> (prefixing <c>ws://</c>), and stores a NEW_RECORD <c>payload</c> whole as
/// <c>{key, value}</c>. So extensions go at the top level only, and the value is written exactly as it was posted
/// (which is also what keeps the origin's signature valid at every hop).
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class MessageCodecEncodeTests : IDisposable
{
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private readonly MessageCodec _codec = new(64 * 1024);
    private readonly TestFeed _feed = new(1);

    [Fact]
    public void RecordHasTheTutorialsTypeAndAPayloadOfExactlyKeyAndValue()
    {
        var entry = _feed.Sign(7, "\"hello\"");

        using var message = JsonDocument.Parse(MessageCodec.EncodeRecord(entry, _feed.PublicKey, hops: 2, Traceparent, "k=v", sync: false));

        var root = message.RootElement;
        Assert.Equal("NEW_RECORD", root.GetProperty("type").GetString());
        var payload = root.GetProperty("payload");
        Assert.Equal(["key", "value"], payload.EnumerateObject().Select(p => p.Name));
        Assert.Equal($"{_feed.Id}-7", payload.GetProperty("key").GetString());
        Assert.Equal("hello", payload.GetProperty("value").GetString());

        // Our extensions, beside type and payload, where the tutorial's node does not look.
        Assert.Equal(["type", "payload", "origin", "seq", "ts", "sig", "pk", "hops", "traceparent", "tracestate"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(_feed.Id.ToString(), root.GetProperty("origin").GetString());
        Assert.Equal(7, root.GetProperty("seq").GetInt64());
        Assert.Equal(TestFeed.CreatedAtMs, root.GetProperty("ts").GetInt64());
        Assert.Equal(entry.Signature, root.GetProperty("sig").GetBytesFromBase64());
        Assert.Equal(_feed.PublicKey, root.GetProperty("pk").GetBytesFromBase64());
        Assert.Equal(2, root.GetProperty("hops").GetInt32());
        Assert.Equal(Traceparent, root.GetProperty("traceparent").GetString());
        Assert.Equal("k=v", root.GetProperty("tracestate").GetString());
    }

    [Fact]
    public void CatchUpCopiesAndAdoptedRecordsSayWhatTheyAre()
    {
        var adopted = _feed.Sign(3, "1", EntryTraits.Adopted, key: "k2x9f0a1b");

        using var message = JsonDocument.Parse(MessageCodec.EncodeRecord(adopted, _feed.PublicKey, hops: 4, traceparent: null, tracestate: null, sync: true));

        var root = message.RootElement;
        Assert.Equal(["type", "payload", "origin", "seq", "ts", "flags", "sig", "pk", "hops", "sync"], root.EnumerateObject().Select(p => p.Name));
        // The tutorial's own key is kept: the tutorial's nodes recognise their record when it comes back.
        Assert.Equal("k2x9f0a1b", root.GetProperty("payload").GetProperty("key").GetString());
        Assert.Equal(1, root.GetProperty("flags").GetInt32());
        Assert.True(root.GetProperty("sync").GetBoolean());
    }

    [Theory]
    [InlineData("\"hello\"")]
    [InlineData("1.50")]
    [InlineData("-2E+10")]
    [InlineData("[1, \"two\" , null]")]
    [InlineData("{ \"b\" : 1,\n  \"a\" : {\"deep\": [true]} }")]
    [InlineData("\"caf\\u00e9 ✓ \\\"quoted\\\"\"")]
    public void SignedRecordRoundTripsByteForByteAndStillVerifies(string value)
    {
        var entry = _feed.Sign(9, value);

        var encoded = MessageCodec.EncodeRecord(entry, _feed.PublicKey, hops: 1, Traceparent, tracestate: null, sync: false);
        var decoded = Assert.IsType<RecordMessage>(_codec.Decode(encoded).Message);

        var valueJson = Encoding.UTF8.GetBytes(value);
        Assert.True(encoded.AsSpan().IndexOf(valueJson) >= 0, "the value's bytes appear unchanged in the message");
        Assert.Equal(valueJson, decoded.Value);
        Assert.Equal(entry.Key, decoded.Key);
        var feed = Assert.IsType<FeedFields>(decoded.Feed);
        Assert.Equal((entry.Origin, entry.Seq, entry.CreatedAtMs, entry.Flags), (feed.Origin, feed.Seq, feed.CreatedAtMs, feed.Flags));
        Assert.Equal(1, decoded.Hops);
        Assert.Equal(Traceparent, decoded.Traceparent);
        Assert.Equal(VerifyOutcome.Valid, Verify(decoded));
    }

    [Fact]
    public void EntryOfASignedBatchCarriesItsPathAndStillVerifies()
    {
        var batch = _feed.SignBatch((1, "\"a\""), (2, "\"b\""), (3, "\"c\""));

        foreach (var entry in batch)
        {
            var encoded = MessageCodec.EncodeRecord(entry, _feed.PublicKey, hops: 1, traceparent: null, tracestate: null, sync: false);
            var decoded = Assert.IsType<RecordMessage>(_codec.Decode(encoded).Message);

            var feed = Assert.IsType<FeedFields>(decoded.Feed);
            Assert.Equal(entry.Proof, feed.Proof);
            Assert.Equal(((int)entry.LeafIndex, 3), (feed.LeafIndex, feed.LeafCount));
            Assert.Equal(VerifyOutcome.Valid, Verify(decoded));
        }
    }

    [Theory]
    [InlineData("127.0.0.1", 4040, "127.0.0.1:4040")]
    [InlineData("[::1]", 5050, "[::1]:5050")]
    public void HandshakeCarriesHostAndPortWithoutAScheme(string host, int port, string payload)
    {
        using var message = JsonDocument.Parse(MessageCodec.EncodeHandshake(new PeerAddress(host, port, Secure: false), Traceparent));

        var root = message.RootElement;
        Assert.Equal("HANDSHAKE", root.GetProperty("type").GetString());
        // The tutorial's urlWrapper turns a bare host:port into ws://host:port: no scheme may be sent.
        Assert.Equal(payload, root.GetProperty("payload").GetString());
        Assert.Equal(Traceparent, root.GetProperty("traceparent").GetString());
    }

    [Fact]
    public void HandshakeRoundTrips()
    {
        var self = new PeerAddress("127.0.0.1", 4040, Secure: false);

        var decoded = Assert.IsType<HandshakeMessage>(_codec.Decode(MessageCodec.EncodeHandshake(self, traceparent: null)).Message);

        Assert.Equal(self, decoded.Address);
        Assert.Null(decoded.Traceparent);
    }

    [Fact]
    public void HeartbeatRoundTripsAndCarriesAtMostTheExchangeCapOfPeers()
    {
        var digest = new FeedDigest(0x0123456789abcdef, 42);
        var peers = Enumerable.Range(1, WireProtocol.MaxExchangedPeers + 5).Select(i => new PeerAddress("127.0.0.1", 4000 + i, false)).ToList();

        var decoded = Assert.IsType<HeartbeatMessage>(_codec.Decode(MessageCodec.EncodeHeartbeat(digest, records: 12, lag: 3, received: 40, peers)).Message);

        Assert.Equal(digest, decoded.Digest);
        Assert.Equal((12L, 3L, 40L), (decoded.Records, decoded.Lag, decoded.Received));
        Assert.Equal(peers.Take(WireProtocol.MaxExchangedPeers), decoded.Peers);
    }

    [Fact]
    public void HelloRoundTripsWithAndWithoutANetworkKeyProof()
    {
        var withProof = Assert.IsType<HelloMessage>(_codec.Decode(MessageCodec.EncodeHello([1, 2], [3, 4, 5])).Message);
        var without = Assert.IsType<HelloMessage>(_codec.Decode(MessageCodec.EncodeHello(null, [3, 4, 5])).Message);

        Assert.Equal([1, 2], withProof.Proof);
        Assert.Equal([3, 4, 5], withProof.Signature);
        Assert.Null(without.Proof);
        Assert.Equal([3, 4, 5], without.Signature);
    }

    [Fact]
    public void VectorRoundTrips()
    {
        var digest = new FeedDigest(7, 8);
        FeedSummary[] feeds = [new(_feed.Id, 10, 0xfeed, [2, 3, 6, 6]), new(new NodeId(1, 2), 1, 1, [])];

        var decoded = Assert.IsType<VectorMessage>(_codec.Decode(MessageCodec.EncodeVector(received: 5, digest, last: true, feeds)).Message);

        Assert.Equal((5L, digest, true), (decoded.Received, decoded.Digest, decoded.Last));
        Assert.Equal(feeds.Length, decoded.Feeds.Count);
        for (var i = 0; i < feeds.Length; i++)
        {
            Assert.Equal((feeds[i].Origin, feeds[i].High, feeds[i].ContentXor), (decoded.Feeds[i].Origin, decoded.Feeds[i].High, decoded.Feeds[i].ContentXor));
            Assert.Equal(feeds[i].Gaps, decoded.Feeds[i].Gaps);
        }
    }

    [Fact]
    public void AFeedWithMoreGapsThanAMessageCarriesIsSummarizedSoThePeerSendsNoLessThanIsMissing()
    {
        // We hold the odd seqs 1, 3, …, 301 of a feed: 150 gaps, more than one feed's summary may carry.
        var ours = new FeedIndex();
        for (long seq = 1; seq <= 301; seq += 2)
        {
            ours.Add(_feed.Id, seq, (ulong)seq);
        }

        var summary = ours.Summarize(_feed.Id)!;
        Assert.True(summary.GapCount > WireProtocol.MaxGapsPerFeed);
        var sent = Assert.IsType<VectorMessage>(_codec.Decode(MessageCodec.EncodeVector(0, ours.Digest, true, [summary])).Message).Feeds.Single();

        // A peer holding every seq 1..301 compares our vector with what it holds.
        var peer = new FeedIndex();
        for (long seq = 1; seq <= 301; seq++)
        {
            peer.Add(_feed.Id, seq, (ulong)seq);
        }

        var offered = SeqRanges.Count(peer.MissingAt(peer.Summarize(_feed.Id)!, sent));
        var lacking = 150;
        Assert.True(offered >= lacking, $"offered {offered}, we lack {lacking}");
        Assert.Equal(0UL, sent.ContentXor);
    }

    private static VerifyOutcome Verify(RecordMessage message)
    {
        var feed = message.Feed!;
        var leaf = new byte[EntrySignature.HashLength];
        EntrySignature.LeafHash(feed.Origin, feed.Seq, feed.CreatedAtMs, feed.Flags, message.Key, message.Value, leaf);
        return new EntryVerifier(Ed25519Scheme.Instance).Verify(feed.Origin, feed.PublicKey, leaf, feed.Proof, feed.LeafIndex, feed.LeafCount, feed.Signature);
    }

    public void Dispose() => _feed.Dispose();
}
