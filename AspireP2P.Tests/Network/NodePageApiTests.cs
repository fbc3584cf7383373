using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using AspireP2P.Node.Mesh;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AspireP2P.Tests.Network;

/// <summary>The HTTP side of the web page: the root redirect, paged records, disconnecting one peer and the event stream.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class NodePageApiTests
{
    [Fact]
    public async Task RootSendsBrowsersToThePageAndKeepsTheTutorialsAnswerForApiClients()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        var node = network[0];
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = node.Identity.Address.HttpUri };

        using var browser = new HttpRequestMessage(HttpMethod.Get, "/");
        browser.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        using var redirected = await noRedirect.SendAsync(browser, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/ui", redirected.Headers.Location?.OriginalString);

        using var api = await noRedirect.GetAsync("/", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal("{\"message\":\"Hello World\"}", await api.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken));
        Assert.Contains("Accept", api.Headers.Vary);

        using var page = await noRedirect.GetAsync("/ui", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<h1>", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.NotNull(page.Headers.ETag);
        using var script = await noRedirect.GetAsync("/ui/ui.js", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        using var missing = await noRedirect.GetAsync("/ui/secrets.json", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task RecordsPageNewestFirstWithTheirMetadata()
    {
        // Posted at the node that dialed (its link is up once the chain is healthy), read at the other.
        await using var network = await TestNetwork.StartChainAsync(2);
        for (var i = 0; i < 7; i++)
        {
            using var posted = await network[1].PostRecordAsync(i);
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        }

        await Eventually.UntilAsync(network[0].GetRecordsRawAsync, r => r.Length == 7, Timeouts.Converge, "seven records at the peer");

        var first = await GetPageAsync(network[0], "?limit=3");
        Assert.Equal(7, first.GetProperty("total").GetInt32());
        Assert.Equal([6, 5, 4], Positions(first));
        Assert.Equal(["6", "5", "4"], first.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("value").GetRawText()));
        Assert.Equal(4, first.GetProperty("next").GetInt32());
        var newest = first.GetProperty("items")[0];
        // Keys name the entry: the feed (the origin's id, derived from its key) and the seq in it.
        Assert.Equal($"{network[1].Identity.Id}-7", newest.GetProperty("key").GetString());
        Assert.Equal(network[1].Identity.Id.ToString(), newest.GetProperty("origin").GetString());
        Assert.Equal(1, newest.GetProperty("hops").GetInt32());
        Assert.Equal(32, newest.GetProperty("traceId").GetString()!.Length);

        var second = await GetPageAsync(network[0], "?before=4&limit=3");
        Assert.Equal([3, 2, 1], Positions(second));
        var last = await GetPageAsync(network[0], "?before=1&limit=3");
        Assert.Equal([0], Positions(last));
        Assert.False(last.TryGetProperty("next", out _));
        Assert.Equal(0, (await GetPageAsync(network[1], "?limit=1")).GetProperty("items")[0].GetProperty("hops").GetInt32());

        using var invalid = await network[1].Http.GetAsync("/api/records?limit=0", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task DeletingOnePeerClosesThatLinkAndForgetsIt()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(3);
        var (a, b, c) = (network[0], network[1], network[2]);
        (await a.PostPeerAsync(b.Address)).Dispose();
        (await a.PostPeerAsync(c.Address)).Dispose();
        await Eventually.UntilAsync(b.GetPeersAsync, p => p.SequenceEqual([a.WebSocketUrl]), Timeouts.Connect, "b to send to a on a's link");

        using var deleted = await a.Http.DeleteAsync($"/api/peers/{Uri.EscapeDataString(b.Address)}", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal($"Disconnected from '{b.WebSocketUrl}'",
            (await deleted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken)).GetProperty("message").GetString());
        Assert.Equal([c.WebSocketUrl], await a.GetPeersAsync());
        // Forgotten, not retrying: the peer table no longer holds it, so nothing re-dials it.
        Assert.DoesNotContain(a.Services.GetRequiredService<MeshLoop>().Snapshot.Peers, p => p.Address == b.Address);
        // One link carried records both ways, so b has lost a too (and does not re-dial it: a dialed b, not b a).
        await Eventually.UntilAsync(b.GetPeersAsync, p => p.Length == 0, Timeouts.Connect, "b to see its only link close");
        Assert.Empty((await b.GetPeerDetailsAsync()).GetProperty("peers").EnumerateArray());
        // a's other link still carries records both ways.
        using var record = await c.PostRecordAsync("still heard");
        await Eventually.UntilAsync(a.GetRecordsRawAsync, r => r.Contains("\"still heard\""), Timeouts.Converge, "a to hear c");

        using var again = await a.Http.DeleteAsync($"/api/peers/{Uri.EscapeDataString(b.WebSocketUrl)}", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        using var invalid = await a.Http.DeleteAsync("/api/peers/not%20an%20address", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task EventStreamSaysHelloThenPushesRecordsAsTheyArriveAndEndsWhenTheNodeStops()
    {
        await using var source = await TestNode.StartAsync("source");
        var node = await TestNode.StartAsync("watched", "--peers", source.Address);
        var stopped = false;
        try
        {
            await Eventually.UntilAsync(node.IsHealthyAsync, Timeouts.Connect, "the watched node to join the source");
            await WatchUntilStoppedAsync(source, node, () =>
            {
                stopped = true;
                return node.DisposeAsync().AsTask();
            });
        }
        finally
        {
            if (!stopped)
            {
                await node.DisposeAsync();
            }
        }
    }

    private static async Task WatchUntilStoppedAsync(TestNode source, TestNode node, Func<Task> stop)
    {
        using var client = new HttpClient { BaseAddress = node.Identity.Address.HttpUri, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events?values=false");
        request.Headers.TryAddWithoutValidation("Origin", "http://127.0.0.1:1");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Timeouts.Request);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("http://127.0.0.1:1", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        await using var stream = await response.Content.ReadAsStreamAsync().WaitAsync(Timeouts.Request);
        await using var events = SseParser.Create(stream).EnumerateAsync().GetAsyncEnumerator();

        var hello = await NextAsync(events);
        Assert.Equal("hello", hello.EventType);
        Assert.Equal(node.Identity.Id.ToString(), JsonDocument.Parse(hello.Data).RootElement.GetProperty("nodeId").GetString());
        Assert.Equal(0, JsonDocument.Parse(hello.Data).RootElement.GetProperty("records").GetInt32());
        var state = await NextAsync(events);
        Assert.Equal("state", state.EventType);

        using var posted = await source.PostRecordAsync("pushed");
        SseItem<string> record;
        do
        {
            record = await NextAsync(events);
        }
        while (record.EventType != "record");

        var pushed = JsonDocument.Parse(record.Data).RootElement;
        Assert.Equal(0, pushed.GetProperty("position").GetInt32());
        Assert.Equal(1, pushed.GetProperty("hops").GetInt32());
        Assert.False(pushed.TryGetProperty("value", out _), "values=false leaves values out");

        // Stopping the node ends the stream (it does not hold up shutdown).
        await stop().WaitAsync(Timeouts.Stop);
        while (await events.MoveNextAsync().AsTask().WaitAsync(Timeouts.Stop))
        {
        }
    }

    [Fact]
    public async Task EventStreamNeverLosesRecordsSilentlyInABurst()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        var node = network[0];
        using var client = new HttpClient { BaseAddress = node.Identity.Address.HttpUri, Timeout = Timeout.InfiniteTimeSpan };
        using var response = await client.GetAsync("/api/events?values=false", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        await using var events = SseParser.Create(stream).EnumerateAsync(TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        Assert.Equal("hello", (await NextAsync(events)).EventType);

        // Far more records than one wake-up sends, stored as fast as the store takes them.
        const int Count = 2000;
        using var origin = new TestFeed(7);
        for (var i = 1; i <= Count; i++)
        {
            node.Core.Store.Append(origin.Draft(i, "1"), origin.PublicKey);
        }

        // Every position is either sent as a record or announced as skipped by a gap, in order, ending with the newest.
        var next = 0;
        while (next < Count)
        {
            var item = await NextAsync(events);
            var data = JsonDocument.Parse(item.Data).RootElement;
            switch (item.EventType)
            {
                case "record":
                    Assert.Equal(next, data.GetProperty("position").GetInt32());
                    next++;
                    break;
                case "gap":
                    Assert.Equal(next, data.GetProperty("from").GetInt32());
                    Assert.True(data.GetProperty("to").GetInt32() > next);
                    next = data.GetProperty("to").GetInt32();
                    break;
            }
        }

        Assert.Equal(Count, next);
    }

    [Fact]
    public async Task EventStreamIsNotOpenedToForeignOrigins()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.TryAddWithoutValidation("Origin", "https://example.com");
        using var response = await network[0].Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static async Task<SseItem<string>> NextAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeouts.Converge), "the event stream ended");
        return events.Current;
    }

    private static async Task<JsonElement> GetPageAsync(TestNode node, string query) =>
        await node.Http.GetFromJsonAsync<JsonElement>("/api/records" + query).WaitAsync(Timeouts.Request);

    private static int[] Positions(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("position").GetInt32()).ToArray();
}
