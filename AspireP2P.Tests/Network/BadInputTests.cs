using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>The tutorial's node dies on most of these inputs; ours rejects them, counts them and keeps its peers.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class BadInputTests
{
    public static TheoryData<string, string> BadWireMessages => new()
    {
        { "malformed JSON", "{\"type\": \"NEW_RECORD\", " },
        { "not an object", "[1,2,3]" },
        { "JSON null", "null" },
        { "unknown type", "{\"type\":\"EXPLODE\",\"payload\":1}" },
        { "missing type", "{\"payload\":\"127.0.0.1:1\"}" },
        { "handshake with invalid address", "{\"type\":\"HANDSHAKE\",\"payload\":\"not an address\"}" },
        { "handshake with non-string payload", "{\"type\":\"HANDSHAKE\",\"payload\":{\"host\":\"x\"}}" },
        { "record without payload", "{\"type\":\"NEW_RECORD\"}" },
        { "record without key", "{\"type\":\"NEW_RECORD\",\"payload\":{\"value\":1}}" },
        { "record with numeric key", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":5,\"value\":1}}" },
        { "record with null value", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":null}}" },
        { "record with half its signature", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"origin\":\"" + SomeFeed + "\",\"seq\":1}" },
        { "record with a forged signature", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"" + SomeFeed + "-1\",\"value\":1},\"origin\":\"" + SomeFeed + "\",\"seq\":1,\"ts\":1,\"sig\":\"AQID\",\"pk\":\"BAUG\"}" },
        { "unsigned record under a feed's key", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"" + SomeFeed + "-1\",\"value\":1}}" },
        { "heartbeat from a tutorial node", "{\"type\":\"HEARTBEAT\",\"digest\":\"00000000000000000000000000000000\",\"records\":0}" },
        { "hello after the handshake", "{\"type\":\"HELLO\",\"sig\":\"AQID\"}" },
    };

    /// <summary>A feed's id: a record key that starts with it may only come signed by that feed's key.</summary>
    private const string SomeFeed = "0123456789abcdef0123456789abcdef";

    [Theory]
    [MemberData(nameof(BadWireMessages))]
    public async Task BadWireMessageIsRejectedAndTheNodeKeepsWorking(string because, string message)
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        await using var attacker = await RawPeer.ConnectAsync(network[0]);

        await attacker.SendTextAsync(message);
        await Eventually.UntilAsync(() => network[0].GetTotalAsync("rejected"), r => r == 1, Timeouts.Converge, $"the {because} message to be counted as rejected");

        // Same socket, then a valid seed-style message: the node still reads it, adopts it and relays it.
        await attacker.SendTextAsync("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"after-" + because.Replace(' ', '-') + "\",\"value\":\"still alive\"}}");
        await network.WaitForRecordsAsync("\"still alive\"");
        Assert.Equal([network[0].WebSocketUrl], await network[1].GetPeersAsync());
    }

    [Fact]
    public async Task BinaryAndOversizeFramesAreDiscardedWithoutDroppingTheConnection()
    {
        await using var network = await TestNetwork.StartChainAsync(2, "--max-record-bytes", "1024", "--max-frame-bytes", "4096");
        await using var attacker = await RawPeer.ConnectAsync(network[0]);

        await attacker.SendAsync([1, 2, 3], WebSocketMessageType.Binary);
        await attacker.SendTextAsync("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"big\",\"value\":\"" + new string('x', 100_000) + "\"}}");
        await attacker.SendTextAsync("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"big-value\",\"value\":\"" + new string('x', 2000) + "\"}}");
        await Eventually.UntilAsync(() => network[0].GetTotalAsync("rejected"), r => r == 3, Timeouts.Converge, "binary, oversize frame and oversize value rejected");

        await attacker.SendTextAsync("{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"small\",\"value\":\"ok\"}}");
        await network.WaitForRecordsAsync("\"ok\"");
        Assert.Equal(WebSocketState.Open, attacker.State);
    }

    [Fact]
    public async Task ForgedRecordsFromOneOfOurPeersAreRejectedAndItsLinkStays()
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        var (target, other) = (network[0], network[1]);
        using var identity = new TestFeed(77);
        await using var peer = await SignedPeer.ConnectAsync(target, identity, TestPorts.Reserve());
        peer.StartHeartbeats();
        var genuine = identity.Sign(1, "\"genuine\"");
        var targetId = target.Identity.Id;

        string[] forged =
        [
            // Signed by the peer, under a key that names another feed.
            Frame(identity.Sign(2, "1", key: $"{targetId}-1"), identity.PublicKey),
            // Claims to be an entry of the target's own feed, with the peer's key.
            Frame(Rewrite(identity.Sign(3, "1"), origin: targetId, key: $"{targetId}-3"), identity.PublicKey),
            // The signature does not match the bytes.
            Frame(Rewrite(genuine, value: "\"tampered\""), identity.PublicKey),
            Frame(Rewrite(identity.Sign(4, "1"), signature: new byte[64]), identity.PublicKey),
            // Our peers sign everything: an unsigned record on their link is refused, not adopted.
            "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"plain\",\"value\":1}}",
        ];
        foreach (var frame in forged)
        {
            await peer.SendTextAsync(frame);
        }

        await Eventually.UntilAsync(() => target.GetTotalAsync("rejected"), r => r == forged.Length, Timeouts.Converge, "every forged record to be rejected");

        // On the same link, a genuine record is stored and relayed.
        await peer.SendTextAsync(Frame(genuine, identity.PublicKey));
        await network.WaitForRecordsAsync("\"genuine\"");
        var page = await other.Http.GetFromJsonAsync<JsonElement>("/api/records", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(identity.Id.ToString(), page.GetProperty("items")[0].GetProperty("origin").GetString());
        Assert.Equal(forged.Length, await target.GetTotalAsync("rejected"));
        Assert.Equal(0, await other.GetTotalAsync("rejected"));
        Assert.Contains(target.Core.Context.Links.Snapshot, l => l.PeerId == identity.Id);
        Assert.Equal(WebSocketState.Open, peer.State);
    }

    private static string Frame(Entry entry, byte[] publicKey) =>
        Encoding.UTF8.GetString(MessageCodec.EncodeRecord(entry, publicKey, hops: 1, traceparent: null, tracestate: null, sync: false));

    private static Entry Rewrite(Entry entry, NodeId? origin = null, string? key = null, string? value = null, byte[]? signature = null) => new()
    {
        Origin = origin ?? entry.Origin,
        Seq = entry.Seq,
        CreatedAtMs = entry.CreatedAtMs,
        Key = key ?? entry.Key,
        Value = value is null ? entry.Value : Encoding.UTF8.GetBytes(value),
        Signature = signature ?? entry.Signature,
    };

    public static TheoryData<string, string, string, HttpStatusCode> BadHttpBodies => new()
    {
        { "/record", "not json", "Record Value Fail", HttpStatusCode.BadRequest },
        { "/record", "", "Record Value Fail", HttpStatusCode.BadRequest },
        { "/record", "null", "Record Value Fail", HttpStatusCode.BadRequest },
        { "/record", "[\"record\"]", "Record Value Fail", HttpStatusCode.BadRequest },
        { "/record", "{}", "Record Value Fail", HttpStatusCode.BadRequest },
        { "/record", "{\"record\":null}", "Record Value Fail", HttpStatusCode.BadRequest },
        { "/record", "{\"data\":\"wrong field\"}", "Record Value Fail", HttpStatusCode.BadRequest },
        { "/peer", "{}", "Target URL Value Fail", HttpStatusCode.BadRequest },
        { "/peer", "{\"url\":\"127.0.0.1:4040\"}", "Target URL Value Fail", HttpStatusCode.BadRequest },
        { "/peer", "{\"targetUrl\":\"\"}", "Target URL Value Fail", HttpStatusCode.BadRequest },
        { "/peer", "{\"targetUrl\":42}", "Target URL Value Fail", HttpStatusCode.BadRequest },
        { "/peer", "{\"targetUrl\":\"ftp://127.0.0.1:21\"}", "Target URL Value Fail", HttpStatusCode.BadRequest },
        { "/peer", "{\"targetUrl\":\"127.0.0.1\"}", "Target URL Value Fail", HttpStatusCode.BadRequest },
        { "/peer", "{\"targetUrl\":\"127.0.0.1:99999\"}", "Target URL Value Fail", HttpStatusCode.BadRequest },
        { "/peer", "{\"targetUrl\":\"http://127.0.0.1:4040/some/path?q=1\"}", "Target URL Value Fail", HttpStatusCode.BadRequest },
        { "/peer", "{not json", "Target URL Value Fail", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadHttpBodies))]
    public async Task BadHttpBodyGetsProblemDetailsWithTheSeedMessage(string path, string body, string message, HttpStatusCode status)
    {
        await using var node = await TestNode.StartAsync("target");

        using var response = await node.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(message, problem.GetProperty("message").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Empty(await node.GetRecordsRawAsync());
        Assert.True(await node.IsHealthyAsync());
    }

    [Fact]
    public async Task OversizeRecordIs413AndIsNotEchoedBack()
    {
        await using var node = await TestNode.StartAsync("capped", "--max-record-bytes", "1024", "--max-frame-bytes", "4096");
        var huge = new string('y', 1500);

        using var overCap = await node.PostRecordAsync(huge);
        using var overBody = await node.Http.PostAsync("/record", new StringContent("{\"record\":\"" + new string('z', 50_000) + "\"}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overCap.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overBody.StatusCode);
        var text = await overCap.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(huge, text);
        Assert.Contains("1024", text);
        Assert.Empty(await node.GetRecordsRawAsync());
    }

    [Fact]
    public async Task LongRecordIsTruncatedInTheMessage()
    {
        await using var node = await TestNode.StartAsync("echo");
        var longText = new string('a', 5000);

        using var response = await node.PostRecordAsync(longText);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("message").GetString()!;
        Assert.True(message.Length < 200, message);
        Assert.Equal([JsonSerializer.Serialize(longText)], await node.GetRecordsRawAsync());
    }
}
