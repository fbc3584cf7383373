using System.Text;
using System.Text.Json;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using Microsoft.Extensions.Options;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// What our node writes must read correctly in the tutorial's node: it reads <c>type</c>, treats a HANDSHAKE
/// <c>payload</c> as <c>host:port</c> (prefixing <c>ws://</c>), and stores a NEW_RECORD <c>payload</c> whole as
/// <c>{key, value}</c>. So extensions go at the top level only, and the value is written exactly as it was posted.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class MessageCodecEncodeTests
{
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private readonly MessageCodec _codec = new(Options.Create(new NodeOptions()));

    [Fact]
    public void RecordHasTheTutorialsTypeAndAPayloadOfExactlyKeyAndValue()
    {
        var record = new StoredRecord("a1b2c3-7", "\"hello\""u8.ToArray(), "a1b2c3", 1_700_000_000_000, hops: 1, traceId: null);

        using var message = JsonDocument.Parse(MessageCodec.EncodeRecord(record, hops: 2, "d4e5f6", Traceparent, "k=v", position: 41));

        var root = message.RootElement;
        Assert.Equal("NEW_RECORD", root.GetProperty("type").GetString());
        var payload = root.GetProperty("payload");
        Assert.Equal(["key", "value"], payload.EnumerateObject().Select(p => p.Name));
        Assert.Equal("a1b2c3-7", payload.GetProperty("key").GetString());
        Assert.Equal("hello", payload.GetProperty("value").GetString());

        // Our extensions, beside type and payload, where the tutorial's node does not look.
        Assert.Equal(WireProtocol.Version, root.GetProperty("v").GetInt32());
        Assert.Equal("d4e5f6", root.GetProperty("from").GetString());
        Assert.Equal("a1b2c3", root.GetProperty("origin").GetString());
        Assert.Equal(1_700_000_000_000, root.GetProperty("ts").GetInt64());
        Assert.Equal(2, root.GetProperty("hops").GetInt32());
        Assert.Equal(41, root.GetProperty("pos").GetInt64());
        Assert.False(root.TryGetProperty("sync", out _));
        Assert.Equal(Traceparent, root.GetProperty("traceparent").GetString());
        Assert.Equal("k=v", root.GetProperty("tracestate").GetString());
    }

    [Fact]
    public void RecordFromTheTutorialsNodeIsRelayedWithoutInventingAnOriginOrTime()
    {
        var record = new StoredRecord("k2x9f0a1b", "1"u8.ToArray(), origin: null, createdAtUnixMs: null, hops: 1, traceId: null);

        using var message = JsonDocument.Parse(MessageCodec.EncodeRecord(record, hops: 2, "d4e5f6", traceparent: null, tracestate: null, position: 0, catchUp: true));

        var names = message.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["type", "payload", "v", "from", "hops", "pos", "sync"], names);
    }

    [Theory]
    [InlineData("\"hello\"")]
    [InlineData("1.50")]
    [InlineData("-2E+10")]
    [InlineData("[1, \"two\" , null]")]
    [InlineData("{ \"b\" : 1,\n  \"a\" : {\"deep\": [true]} }")]
    [InlineData("\"caf\\u00e9 ✓ \\\"quoted\\\"\"")]
    public void RecordValueIsWrittenByteForByteAndRoundTrips(string value)
    {
        var valueJson = Encoding.UTF8.GetBytes(value);
        var record = new StoredRecord("a1b2c3-9", valueJson, "a1b2c3", 1_700_000_000_000, hops: 0, traceId: null);

        var encoded = MessageCodec.EncodeRecord(record, hops: 1, "a1b2c3", Traceparent, tracestate: null, position: 9);
        var decoded = Assert.IsType<RecordMessage>(_codec.Decode(encoded, 1_700_000_000_001).Message);

        Assert.True(encoded.AsSpan().IndexOf(valueJson) >= 0, "the value's bytes appear unchanged in the message");
        Assert.Equal(valueJson, decoded.Record.ValueJson);
        Assert.Equal("a1b2c3-9", decoded.Record.Key);
        Assert.Equal("a1b2c3", decoded.Record.Origin);
        Assert.Equal(1_700_000_000_000, decoded.Record.CreatedAtUnixMs);
        Assert.Equal(1, decoded.Record.Hops);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", decoded.Record.TraceId);
        Assert.Equal("a1b2c3", decoded.From);
    }

    [Theory]
    [InlineData("127.0.0.1", 4040, "127.0.0.1:4040")]
    [InlineData("[::1]", 5050, "[::1]:5050")]
    public void HandshakeCarriesHostAndPortWithoutAScheme(string host, int port, string payload)
    {
        using var message = JsonDocument.Parse(MessageCodec.EncodeHandshake(new PeerAddress(host, port, Secure: false), "a1b2c3", Traceparent));

        var root = message.RootElement;
        Assert.Equal("HANDSHAKE", root.GetProperty("type").GetString());
        // The tutorial's urlWrapper turns a bare host:port into ws://host:port: no scheme may be sent.
        Assert.Equal(payload, root.GetProperty("payload").GetString());
        Assert.Equal(WireProtocol.Version, root.GetProperty("v").GetInt32());
        Assert.Equal("a1b2c3", root.GetProperty("from").GetString());
        Assert.Equal(Traceparent, root.GetProperty("traceparent").GetString());
    }

    [Fact]
    public void HandshakeRoundTrips()
    {
        var self = new PeerAddress("127.0.0.1", 4040, Secure: false);

        var decoded = Assert.IsType<HandshakeMessage>(_codec.Decode(MessageCodec.EncodeHandshake(self, "a1b2c3", traceparent: null), 0).Message);

        Assert.Equal(self, decoded.Address);
        Assert.Equal("a1b2c3", decoded.From);
        Assert.Null(decoded.Traceparent);
    }
}
