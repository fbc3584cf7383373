using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
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
    };

    [Theory]
    [MemberData(nameof(BadWireMessages))]
    public async Task BadWireMessageIsRejectedAndTheNodeKeepsWorking(string because, string message)
    {
        await using var network = await TestNetwork.StartChainAsync(2);
        await using var attacker = await RawPeer.ConnectAsync(network[0]);

        await attacker.SendTextAsync(message);
        await Eventually.UntilAsync(() => network[0].GetTotalAsync("rejected"), r => r == 1, Timeouts.Converge, $"the {because} message to be counted as rejected");

        // Same socket, then a valid seed-style message: the node still reads it, stores it and relays it.
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
