using System.Text;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// Decoding is where a peer's bytes are validated: messages from the tutorial's node (only <c>type</c> and
/// <c>payload</c>) and from ours (plus extension fields) are accepted; everything else is refused with a reason.
/// Signatures are not decoding's business (the intake verifies them): a signed record only has to carry every field.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class MessageCodecDecodeTests
{
    private const int MaxRecordBytes = 1024;
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string Origin = "0123456789abcdef0123456789abcdef";
    private const string Digest = "00000000000000010000000000000002";

    /// <summary>The signed fields of a NEW_RECORD from one of our nodes (base64 of a few bytes: decoding does not check them).</summary>
    private const string SignedFields = $"\"origin\":\"{Origin}\",\"seq\":7,\"ts\":1700000000000,\"sig\":\"AQID\",\"pk\":\"BAUG\"";

    private readonly MessageCodec _codec = new(MaxRecordBytes);

    [Fact]
    public void DecodesTheTutorialsHandshake()
    {
        var message = Assert.IsType<HandshakeMessage>(Decode("{\"type\":\"HANDSHAKE\",\"payload\":\"127.0.0.1:3030\"}").Message);

        Assert.Equal(new PeerAddress("127.0.0.1", 3030, Secure: false), message.Address);
        Assert.Null(message.Traceparent);
        Assert.Null(message.Tracestate);
    }

    [Fact]
    public void DecodesAHandshakeWithItsTraceContext()
    {
        var message = Assert.IsType<HandshakeMessage>(Decode(
            "{\"type\":\"HANDSHAKE\",\"payload\":\"127.0.0.1:4040\",\"v\":1,\"from\":\"a1b2c3\",\"traceparent\":\"" + Traceparent + "\",\"tracestate\":\"k=v\"}").Message);

        Assert.Equal(new PeerAddress("127.0.0.1", 4040, Secure: false), message.Address);
        Assert.Equal(Traceparent, message.Traceparent);
        Assert.Equal("k=v", message.Tracestate);
    }

    [Fact]
    public void DecodesTheTutorialsRecordAsAnUnsignedRecord()
    {
        var message = Assert.IsType<RecordMessage>(Decode("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k2x9f0a1b\",\"value\":\"hello\"}}").Message);

        Assert.Equal("k2x9f0a1b", message.Key);
        Assert.Equal("\"hello\"", Encoding.UTF8.GetString(message.Value));
        Assert.Null(message.Feed);
        Assert.Equal(1, message.Hops);
        Assert.False(message.Sync);
        Assert.Null(message.Traceparent);
    }

    [Fact]
    public void DecodesOurSignedRecordWithEveryField()
    {
        var message = Assert.IsType<RecordMessage>(Decode(
            $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"{Origin}-7\",\"value\":{{\"x\":1}}}},{SignedFields},\"flags\":1,"
            + $"\"proof\":\"BwgJ\",\"leaf\":[2,5],\"hops\":3,\"sync\":true,\"traceparent\":\"{Traceparent}\",\"tracestate\":\"k=v\"}}").Message);

        Assert.Equal($"{Origin}-7", message.Key);
        Assert.Equal("{\"x\":1}", Encoding.UTF8.GetString(message.Value));
        var feed = Assert.IsType<FeedFields>(message.Feed);
        Assert.Equal(Origin, feed.Origin.ToString());
        Assert.Equal(7, feed.Seq);
        Assert.Equal(1_700_000_000_000, feed.CreatedAtMs);
        Assert.Equal(EntryTraits.Adopted, feed.Flags);
        Assert.Equal([1, 2, 3], feed.Signature);
        Assert.Equal([4, 5, 6], feed.PublicKey);
        Assert.Equal([7, 8, 9], feed.Proof);
        Assert.Equal((2, 5), (feed.LeafIndex, feed.LeafCount));
        Assert.Equal(3, message.Hops);
        Assert.True(message.Sync);
        Assert.Equal(Traceparent, message.Traceparent);
        Assert.Equal("k=v", message.Tracestate);
    }

    [Fact]
    public void ASignedRecordSignedAloneHasNoProofAndIsLeafZeroOfOne()
    {
        var message = Assert.IsType<RecordMessage>(Decode($"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"{Origin}-7\",\"value\":1}},{SignedFields}}}").Message);

        var feed = Assert.IsType<FeedFields>(message.Feed);
        Assert.Empty(feed.Proof);
        Assert.Equal((0, 1), (feed.LeafIndex, feed.LeafCount));
        Assert.Equal(EntryTraits.None, feed.Flags);
    }

    [Theory]
    [InlineData("\"hello\"")]
    [InlineData("\"\"")]
    [InlineData("0")]
    [InlineData("1.50")]
    [InlineData("-2e10")]
    [InlineData("false")]
    [InlineData("[1, \"two\" , null]")]
    [InlineData("{ \"b\" : 1,\n  \"a\" : {\"deep\": [true]} }")]
    [InlineData("\"caf\\u00e9 ✓\"")]
    public void KeepsTheRecordValueAsItsRawJsonText(string value)
    {
        var message = Assert.IsType<RecordMessage>(Decode($"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":{value}}}}}").Message);

        // The signature covers these exact bytes: a re-serialized value would no longer verify.
        Assert.Equal(Encoding.UTF8.GetBytes(value), message.Value);
    }

    [Fact]
    public void IgnoresFieldsItDoesNotKnow()
    {
        var decoded = Decode("{\"future\":{\"x\":[1]},\"type\":\"NEW_RECORD\",\"v\":99,\"payload\":{\"key\":\"k\",\"extra\":true,\"value\":1}}");

        Assert.Equal("k", Assert.IsType<RecordMessage>(decoded.Message).Key);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-3, 1)]
    [InlineData(2_000_000_000, 1_000_000)]
    public void ClampsTheHopCount(int hops, int expected)
    {
        var message = Assert.IsType<RecordMessage>(Decode($"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},\"hops\":{hops}}}").Message);

        Assert.Equal(expected, message.Hops);
    }

    [Fact]
    public void DropsOverlongTraceContextButKeepsTheRecord()
    {
        var message = Assert.IsType<RecordMessage>(Decode(
            $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},\"traceparent\":\"{new string('0', 129)}\",\"tracestate\":\"{new string('s', 513)}\"}}").Message);

        Assert.Null(message.Traceparent);
        Assert.Null(message.Tracestate);
        Assert.Equal("k", message.Key);
    }

    [Fact]
    public void DecodesAHeartbeat()
    {
        var heartbeat = Assert.IsType<HeartbeatMessage>(Decode(
            $"{{\"type\":\"HEARTBEAT\",\"digest\":\"{Digest}\",\"records\":12,\"lag\":3,\"rx\":40,\"peers\":[\"127.0.0.1:4040\",\"not an address\",\"ws://localhost:5050\"]}}").Message);

        Assert.Equal(new FeedDigest(1, 2), heartbeat.Digest);
        Assert.Equal((12L, 3L, 40L), (heartbeat.Records, heartbeat.Lag, heartbeat.Received));
        // Peer exchange takes what parses and skips the rest: one bad address does not cost the heartbeat.
        Assert.Equal([new PeerAddress("127.0.0.1", 4040, false), new PeerAddress("localhost", 5050, false)], heartbeat.Peers);
    }

    [Fact]
    public void DecodesAVectorPart()
    {
        var vector = Assert.IsType<VectorMessage>(Decode(
            $"{{\"type\":\"VECTOR\",\"rx\":9,\"digest\":\"{Digest}\",\"last\":false,\"feeds\":[[\"{Origin}\",10,\"00000000000000ff\",[2,3,6,6]]]}}").Message);

        Assert.Equal(9, vector.Received);
        Assert.False(vector.Last);
        var feed = Assert.Single(vector.Feeds);
        Assert.Equal(Origin, feed.Origin.ToString());
        Assert.Equal(10, feed.High);
        Assert.Equal(0xffUL, feed.ContentXor);
        Assert.Equal([2, 3, 6, 6], feed.Gaps);
    }

    [Fact]
    public void DecodesAHello()
    {
        var hello = Assert.IsType<HelloMessage>(Decode("{\"type\":\"HELLO\",\"proof\":\"AQID\",\"sig\":\"BAUG\"}").Message);

        Assert.Equal([1, 2, 3], hello.Proof);
        Assert.Equal([4, 5, 6], hello.Signature);
    }

    public static TheoryData<string, RejectReason, string> Rejected => new()
    {
        // Not a message at all.
        { "", RejectReason.MalformedJson, "not a valid message object" },
        { "{\"type\": \"NEW_RECORD\", ", RejectReason.MalformedJson, "not a valid message object" },
        { "[1,2,3]", RejectReason.MalformedJson, "not a valid message object" },
        { "\"HANDSHAKE\"", RejectReason.MalformedJson, "not a valid message object" },
        { "{\"type\":5,\"payload\":1}", RejectReason.MalformedJson, "not a valid message object" },
        { "{\"type\":\"HANDSHAKE\",\"payload\":\"127.0.0.1:1\"} {}", RejectReason.MalformedJson, "not a valid message object" },
        { "null", RejectReason.MalformedJson, "JSON null" },
        { "{\"payload\":\"127.0.0.1:1\"}", RejectReason.UnknownType, "no string 'type'" },
        { "{\"type\":\"EXPLODE\",\"payload\":1}", RejectReason.UnknownType, "unknown message type 'EXPLODE'" },
        { "{\"type\":\"handshake\",\"payload\":\"127.0.0.1:1\"}", RejectReason.UnknownType, "unknown message type 'handshake'" },

        // HANDSHAKE.
        { "{\"type\":\"HANDSHAKE\"}", RejectReason.InvalidHandshake, "payload must be a \"host:port\" string" },
        { "{\"type\":\"HANDSHAKE\",\"payload\":{\"host\":\"x\"}}", RejectReason.InvalidHandshake, "payload must be a \"host:port\" string" },
        { "{\"type\":\"HANDSHAKE\",\"payload\":4040}", RejectReason.InvalidHandshake, "payload must be a \"host:port\" string" },
        { "{\"type\":\"HANDSHAKE\",\"payload\":\"not an address\"}", RejectReason.InvalidHandshake, "HANDSHAKE address 'not an address' is invalid: the port is missing" },
        { "{\"type\":\"HANDSHAKE\",\"payload\":\"ftp://127.0.0.1:21\"}", RejectReason.InvalidHandshake, "scheme 'ftp'" },

        // NEW_RECORD: the tutorial's shape.
        { "{\"type\":\"NEW_RECORD\"}", RejectReason.InvalidRecord, "payload must be an object {key, value}" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":\"hello\"}", RejectReason.InvalidRecord, "payload must be an object {key, value}" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":[\"k\",1]}", RejectReason.InvalidRecord, "payload must be an object {key, value}" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"value\":1}}", RejectReason.InvalidRecord, "payload.key must be a non-empty string" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":5,\"value\":1}}", RejectReason.InvalidRecord, "payload.key must be a non-empty string" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"\",\"value\":1}}", RejectReason.InvalidRecord, "payload.key must be a non-empty string" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"" + new string('k', WireProtocol.MaxKeyLength + 1) + "\",\"value\":1}}", RejectReason.InvalidRecord, $"at most {WireProtocol.MaxKeyLength} characters" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\"}}", RejectReason.InvalidRecord, "payload.value is missing or null" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":null}}", RejectReason.InvalidRecord, "payload.value is missing or null" },

        // NEW_RECORD: a signed record must carry every signed field, well formed.
        { $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},\"origin\":\"{Origin}\"}}", RejectReason.InvalidRecord, "needs origin (32 hex digits), seq (> 0), ts, sig and pk" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"sig\":\"AQID\"}", RejectReason.InvalidRecord, "needs origin" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"seq\":3}", RejectReason.InvalidRecord, "needs origin" },
        { $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},{SignedFields.Replace("\"seq\":7", "\"seq\":0", StringComparison.Ordinal)}}}", RejectReason.InvalidRecord, "seq (> 0)" },
        { $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},{SignedFields.Replace(Origin, Origin.ToUpperInvariant(), StringComparison.Ordinal)}}}", RejectReason.InvalidRecord, "origin (32 hex digits)" },
        { $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},{SignedFields.Replace(Origin, new string('0', 32), StringComparison.Ordinal)}}}", RejectReason.InvalidRecord, "origin (32 hex digits)" },
        { $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},{SignedFields.Replace(",\"pk\":\"BAUG\"", "", StringComparison.Ordinal)}}}", RejectReason.InvalidRecord, "sig and pk" },
        { $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},{SignedFields},\"flags\":6}}", RejectReason.InvalidRecord, "unknown record flags 6" },
        { $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},{SignedFields.Replace("AQID", "not base64!", StringComparison.Ordinal)}}}", RejectReason.MalformedJson, "base64" },
        { $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},{SignedFields},\"leaf\":[1,2,3]}}", RejectReason.MalformedJson, "[index, count]" },
        { $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},{SignedFields},\"leaf\":\"0/1\"}}", RejectReason.MalformedJson, "[index, count]" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"hops\":\"3\"}", RejectReason.MalformedJson, "32-bit integer" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"sync\":1}", RejectReason.MalformedJson, "a boolean" },

        // Our control messages.
        { "{\"type\":\"HEARTBEAT\",\"records\":1}", RejectReason.InvalidHeartbeat, "must carry the sender's digest" },
        { "{\"type\":\"HEARTBEAT\",\"digest\":\"0:0000000000000000\"}", RejectReason.InvalidHeartbeat, "must carry the sender's digest" },
        { $"{{\"type\":\"HEARTBEAT\",\"digest\":\"{Digest}\",\"peers\":\"127.0.0.1:1\"}}", RejectReason.MalformedJson, "an array of strings" },
        { $"{{\"type\":\"VECTOR\",\"digest\":\"{Digest}\",\"feeds\":[]}}", RejectReason.InvalidVector, "must carry rx, digest and feeds" },
        { $"{{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"{Digest}\"}}", RejectReason.InvalidVector, "must carry rx, digest and feeds" },
        { $"{{\"type\":\"VECTOR\",\"rx\":-1,\"digest\":\"{Digest}\",\"feeds\":[]}}", RejectReason.InvalidVector, "must carry rx, digest and feeds" },
        { $"{{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"{Digest}\",\"feeds\":[[\"nobody\",1,\"0\",[]]]}}", RejectReason.MalformedJson, "a node id" },
        { $"{{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"{Digest}\",\"feeds\":[[\"{Origin}\",1,\"xyz\",[]]]}}", RejectReason.MalformedJson, "a hex content hash" },
        { $"{{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"{Digest}\",\"feeds\":[[\"{Origin}\",10,\"0\",[5,6,2,3]]]}}", RejectReason.MalformedJson, "malformed summary" },
        { $"{{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"{Digest}\",\"feeds\":[[\"{Origin}\",10,\"0\",[2,3,4]]]}}", RejectReason.MalformedJson, "malformed summary" },
        { $"{{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"{Digest}\",\"feeds\":[[\"{Origin}\",10,\"0\",[9,12]]]}}", RejectReason.MalformedJson, "malformed summary" },
        { $"{{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"{Digest}\",\"feeds\":[[\"{Origin}\",-1,\"0\",[]]]}}", RejectReason.MalformedJson, "malformed summary" },
        { $"{{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"{Digest}\",\"feeds\":[[\"{Origin}\",999,\"0\",[{string.Join(',', Enumerable.Range(0, WireProtocol.MaxGapsPerFeed + 1).Select(i => $"{(3 * i) + 1},{(3 * i) + 1}"))}]]]}}", RejectReason.MalformedJson, $"at most {WireProtocol.MaxGapsPerFeed} gaps" },
        { $"{{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"{Digest}\",\"feeds\":[{string.Join(',', Enumerable.Range(0, WireProtocol.MaxFeedsPerVector + 1).Select(_ => $"[\"{Origin}\",1,\"0\",[]]"))}]}}", RejectReason.MalformedJson, $"at most {WireProtocol.MaxFeedsPerVector} feeds" },
        { "{\"type\":\"HELLO\",\"proof\":\"AQID\"}", RejectReason.InvalidHello, "must carry the dialer's signature" },
        { "{\"type\":\"HELLO\",\"sig\":\"\"}", RejectReason.InvalidHello, "must carry the dialer's signature" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void RejectsWithAReasonAndADetail(string json, RejectReason reason, string detail)
    {
        var decoded = Decode(json);

        Assert.Null(decoded.Message);
        Assert.Equal(reason, decoded.Reason);
        Assert.Contains(detail, decoded.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RejectReason.MalformedJson, "malformed_json")]
    [InlineData(RejectReason.Oversize, "oversize")]
    [InlineData(RejectReason.BadSignature, "bad_signature")]
    [InlineData(RejectReason.WrongOrigin, "wrong_origin")]
    [InlineData(RejectReason.UnsignedRecord, "unsigned")]
    [InlineData(RejectReason.InvalidRecord, "invalid_record")]
    [InlineData(RejectReason.UnexpectedMessage, "unexpected_message")]
    public void RejectionsAreCountedUnderSnakeCaseReasonTags(RejectReason reason, string tag) => Assert.Equal(tag, reason.Tag());

    [Fact]
    public void EveryRejectReasonHasASnakeCaseTag() =>
        Assert.All(Enum.GetValues<RejectReason>(), reason => Assert.Matches("^[a-z]+(_[a-z]+)*$", reason.Tag()));

    [Theory]
    [InlineData("{\"type\":\"\uFFFF\"}")]
    [InlineData("{\"type\":\"HANDSHAKE\",\"payload\":\"\uFFFF:4040\"}")]
    [InlineData("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"\uFFFF\",\"value\":1}}")]
    [InlineData("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":\"\uFFFF\"}}")]
    [InlineData("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"from\":\"\uFFFF\"}")]
    public void RejectsInvalidUtf8WithoutThrowing(string template)
    {
        // U+FFFF marks where the bytes 0xFF 0xFE go: a sequence that is not UTF-8 at all.
        var at = template.IndexOf('\uFFFF', StringComparison.Ordinal);
        byte[] bytes = [.. Encoding.UTF8.GetBytes(template[..at]), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(template[(at + 1)..])];

        var decoded = _codec.Decode(bytes);

        Assert.Null(decoded.Message);
        Assert.Equal(RejectReason.MalformedJson, decoded.Reason);
        Assert.Equal("the message is not valid UTF-8 text", decoded.Detail);
    }

    [Fact]
    public void AcceptsAValueOfExactlyTheRecordCapAndRejectsOneByteMore()
    {
        var atCap = "\"" + new string('x', MaxRecordBytes - 2) + "\"";
        var overCap = "\"" + new string('x', MaxRecordBytes - 1) + "\"";

        var accepted = Decode($"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":{atCap}}}}}");
        var rejected = Decode($"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":{overCap}}}}}");

        Assert.Equal(MaxRecordBytes, Assert.IsType<RecordMessage>(accepted.Message).Value.Length);
        Assert.Null(rejected.Message);
        Assert.Equal(RejectReason.Oversize, rejected.Reason);
        Assert.Equal($"record value is {MaxRecordBytes + 1} bytes, the cap is {MaxRecordBytes}", rejected.Detail);
    }

    [Fact]
    public void TheRecordCapCountsJsonBytesNotCharacters()
    {
        // 400 × "é" is 400 characters but 800 UTF-8 bytes; two copies (+ quotes, comma, brackets) exceed 1024 bytes.
        var word = "\"" + new string('é', 400) + "\"";
        var decoded = Decode($"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":[{word},{word}]}}}}");

        Assert.Equal(RejectReason.Oversize, decoded.Reason);
    }

    [Fact]
    public void TheDetailNeverEchoesALongInputInFull()
    {
        var type = new string('T', 5000);
        var address = new string('a', 5000);

        var unknown = Decode($"{{\"type\":\"{type}\"}}");
        var handshake = Decode($"{{\"type\":\"HANDSHAKE\",\"payload\":\"{address}\"}}");

        Assert.True(unknown.Detail!.Length < 100, unknown.Detail);
        Assert.True(handshake.Detail!.Length < 200, handshake.Detail);
    }

    [Fact]
    public void AnIdIsOnlyAcceptedInItsOneCanonicalSpelling()
    {
        Assert.True(NodeId.TryParse(Origin, out var id));
        Assert.Equal(Origin, id.ToString());
        Assert.False(NodeId.TryParse(Origin.ToUpperInvariant(), out _));
        Assert.False(NodeId.TryParse(Origin[..31], out _));
        Assert.False(NodeId.TryParse(new string('0', 32), out _));
    }

    private DecodeResult Decode(string json) => _codec.Decode(Encoding.UTF8.GetBytes(json));
}
