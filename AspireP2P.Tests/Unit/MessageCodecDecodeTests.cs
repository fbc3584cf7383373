using System.Text;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Protocol;
using Microsoft.Extensions.Options;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// Decoding is where a peer's bytes are validated: messages from the tutorial's node (only <c>type</c> and
/// <c>payload</c>) and from ours (plus extension fields) are accepted; everything else is refused with a reason.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class MessageCodecDecodeTests
{
    private const int MaxRecordBytes = 1024;
    private const long Now = 1_700_000_000_000;
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private readonly MessageCodec _codec = new(Options.Create(new NodeOptions { MaxRecordBytes = MaxRecordBytes }));

    [Fact]
    public void DecodesTheTutorialsHandshake()
    {
        var message = Assert.IsType<HandshakeMessage>(Decode("{\"type\":\"HANDSHAKE\",\"payload\":\"127.0.0.1:3030\"}").Message);

        Assert.Equal(new PeerAddress("127.0.0.1", 3030, Secure: false), message.Address);
        Assert.Null(message.From);
        Assert.Null(message.Traceparent);
    }

    [Fact]
    public void DecodesOurHandshakeWithItsExtensions()
    {
        var message = Assert.IsType<HandshakeMessage>(Decode(
            "{\"type\":\"HANDSHAKE\",\"payload\":\"127.0.0.1:4040\",\"v\":1,\"from\":\"a1b2c3\",\"traceparent\":\"" + Traceparent + "\",\"tracestate\":\"k=v\"}").Message);

        Assert.Equal(new PeerAddress("127.0.0.1", 4040, Secure: false), message.Address);
        Assert.Equal("a1b2c3", message.From);
        Assert.Equal(Traceparent, message.Traceparent);
        Assert.Equal("k=v", message.Tracestate);
    }

    [Fact]
    public void DecodesTheTutorialsRecordWhichHasNoExtensionFields()
    {
        var message = Assert.IsType<RecordMessage>(Decode("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k2x9f0a1b\",\"value\":\"hello\"}}").Message);

        var record = message.Record;
        Assert.Equal("k2x9f0a1b", record.Key);
        Assert.Equal("\"hello\"", Encoding.UTF8.GetString(record.ValueJson));
        Assert.Null(record.Origin);
        Assert.Null(record.CreatedAtUnixMs);
        Assert.Null(record.TraceId);
        Assert.Equal(1, record.Hops);
        Assert.Null(message.From);
    }

    [Fact]
    public void DecodesOurRecordWithItsExtensions()
    {
        var message = Assert.IsType<RecordMessage>(Decode(
            "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"a1b2c3-7\",\"value\":{\"x\":1}},\"v\":1,\"from\":\"d4e5f6\",\"origin\":\"a1b2c3\","
            + $"\"ts\":{Now - 5},\"hops\":3,\"traceparent\":\"{Traceparent}\"}}").Message);

        var record = message.Record;
        Assert.Equal("a1b2c3-7", record.Key);
        Assert.Equal("{\"x\":1}", Encoding.UTF8.GetString(record.ValueJson));
        Assert.Equal("a1b2c3", record.Origin);
        Assert.Equal(Now - 5, record.CreatedAtUnixMs);
        Assert.Equal(3, record.Hops);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", record.TraceId);
        Assert.Equal("d4e5f6", message.From);
        Assert.Equal(Traceparent, message.Traceparent);
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

        Assert.Equal(Encoding.UTF8.GetBytes(value), message.Record.ValueJson);
    }

    [Fact]
    public void IgnoresFieldsItDoesNotKnow()
    {
        var decoded = Decode("{\"future\":{\"x\":[1]},\"type\":\"NEW_RECORD\",\"v\":99,\"payload\":{\"key\":\"k\",\"extra\":true,\"value\":1}}");

        Assert.Equal("k", Assert.IsType<RecordMessage>(decoded.Message).Record.Key);
    }

    [Theory]
    [InlineData("\"ts\":" + "1700000060001", null)]            // more than a minute in the future: not a creation time
    [InlineData("\"ts\":" + "1700000060000", 1700000060000L)]  // up to a minute of clock skew is tolerated
    [InlineData("\"ts\":0", null)]
    [InlineData("\"ts\":-5", null)]
    public void DistrustsImplausibleCreationTimes(string field, long? expected)
    {
        var message = Assert.IsType<RecordMessage>(Decode($"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},{field}}}").Message);

        Assert.Equal(expected, message.Record.CreatedAtUnixMs);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-3, 1)]
    [InlineData(2_000_000_000, 1_000_000)]
    public void ClampsTheHopCount(int hops, int expected)
    {
        var message = Assert.IsType<RecordMessage>(Decode($"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},\"hops\":{hops}}}").Message);

        Assert.Equal(expected, message.Record.Hops);
    }

    [Fact]
    public void DropsOverlongOrInvalidExtensionsButKeepsTheRecord()
    {
        var longId = new string('f', 65);
        var message = Assert.IsType<RecordMessage>(Decode(
            $"{{\"type\":\"NEW_RECORD\",\"payload\":{{\"key\":\"k\",\"value\":1}},\"from\":\"{longId}\",\"origin\":\"{longId}\",\"traceparent\":\"{new string('0', 129)}\"}}").Message);

        Assert.Null(message.From);
        Assert.Null(message.Record.Origin);
        Assert.Null(message.Traceparent);
        Assert.Null(message.Record.TraceId);

        var badTrace = Assert.IsType<RecordMessage>(Decode("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"traceparent\":\"not-a-traceparent\"}").Message);
        Assert.Null(badTrace.Record.TraceId);
    }

    public static TheoryData<string, RejectReason, string> Rejected => new()
    {
        { "", RejectReason.MalformedJson, "not a JSON message object" },
        { "{\"type\": \"NEW_RECORD\", ", RejectReason.MalformedJson, "not a JSON message object" },
        { "[1,2,3]", RejectReason.MalformedJson, "not a JSON message object" },
        { "\"HANDSHAKE\"", RejectReason.MalformedJson, "not a JSON message object" },
        { "{\"type\":5,\"payload\":1}", RejectReason.MalformedJson, "not a JSON message object" },
        { "null", RejectReason.MalformedJson, "JSON null" },
        { "{\"payload\":\"127.0.0.1:1\"}", RejectReason.UnknownType, "no string 'type'" },
        { "{\"type\":\"EXPLODE\",\"payload\":1}", RejectReason.UnknownType, "unknown message type 'EXPLODE'" },
        { "{\"type\":\"handshake\",\"payload\":\"127.0.0.1:1\"}", RejectReason.UnknownType, "unknown message type 'handshake'" },
        { "{\"type\":\"HANDSHAKE\"}", RejectReason.InvalidHandshake, "payload must be a \"host:port\" string" },
        { "{\"type\":\"HANDSHAKE\",\"payload\":{\"host\":\"x\"}}", RejectReason.InvalidHandshake, "payload must be a \"host:port\" string" },
        { "{\"type\":\"HANDSHAKE\",\"payload\":4040}", RejectReason.InvalidHandshake, "payload must be a \"host:port\" string" },
        { "{\"type\":\"HANDSHAKE\",\"payload\":\"not an address\"}", RejectReason.InvalidHandshake, "HANDSHAKE address 'not an address' is invalid: the port is missing" },
        { "{\"type\":\"HANDSHAKE\",\"payload\":\"ftp://127.0.0.1:21\"}", RejectReason.InvalidHandshake, "scheme 'ftp'" },
        { "{\"type\":\"NEW_RECORD\"}", RejectReason.InvalidRecord, "payload must be an object {key, value}" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":\"hello\"}", RejectReason.InvalidRecord, "payload must be an object {key, value}" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":[\"k\",1]}", RejectReason.InvalidRecord, "payload must be an object {key, value}" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"value\":1}}", RejectReason.InvalidRecord, "payload.key must be a non-empty string" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":5,\"value\":1}}", RejectReason.InvalidRecord, "payload.key must be a non-empty string" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"\",\"value\":1}}", RejectReason.InvalidRecord, "payload.key must be a non-empty string" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"" + new string('k', WireProtocol.MaxKeyLength + 1) + "\",\"value\":1}}", RejectReason.InvalidRecord, $"at most {WireProtocol.MaxKeyLength} characters" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\"}}", RejectReason.InvalidRecord, "payload.value is missing or null" },
        { "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":null}}", RejectReason.InvalidRecord, "payload.value is missing or null" },
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

        var decoded = _codec.Decode(bytes, Now);

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

        Assert.Equal(MaxRecordBytes, Assert.IsType<RecordMessage>(accepted.Message).Record.ValueJson.Length);
        Assert.Null(rejected.Message);
        Assert.Equal(RejectReason.Oversize, rejected.Reason);
        Assert.Equal($"record value is {MaxRecordBytes + 1} bytes, the cap is {MaxRecordBytes}", rejected.Detail);
    }

    [Fact]
    public void TheRecordCapCountsJsonBytesNotCharacters()
    {
        // 400 × "é" is 400 characters but 800 UTF-8 bytes; three copies (+ quotes, commas, brackets) exceed 1024 bytes.
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

    private DecodeResult Decode(string json) => _codec.Decode(Encoding.UTF8.GetBytes(json), Now);
}
