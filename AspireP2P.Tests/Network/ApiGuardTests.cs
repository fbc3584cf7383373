using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>
/// What a web page in the user's browser, or a stranger on the network, can no longer make a node do: change it without
/// the API key, post through a cross-site form, reach it under a DNS name of its own, or flood it.
/// </summary>
public sealed class ApiGuardTests
{
    private const string Key = "0123456789abcdef-guard-test";

    [Fact]
    public async Task WithAKeyEveryEndpointThatChangesTheNodeAnswers401WithoutIt()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(2, "--api-key", Key);
        var (node, other) = (network[0], network[1]);

        foreach (var request in ChangingRequests(other.Address))
        {
            using var refused = await node.Http.SendAsync(request()).WaitAsync(Timeouts.Request);
            await AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "API Key Required");
            Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());

            var wrong = request();
            wrong.Headers.Add("X-Api-Key", Key + "-not");
            using var wrongKey = await node.Http.SendAsync(wrong).WaitAsync(Timeouts.Request);
            await AssertProblemAsync(wrongKey, HttpStatusCode.Unauthorized, "API Key Required");
        }

        Assert.Empty(await node.GetRecordsRawAsync());
        Assert.Empty(await node.GetPeersAsync());

        // Reads stay open; the key opens the rest, as X-Api-Key or as a bearer token.
        using var peers = await node.Http.GetAsync("/api/peers").WaitAsync(Timeouts.Request);
        Assert.Equal(HttpStatusCode.OK, peers.StatusCode);
        using var posted = await node.Http.SendAsync(WithKey(Post("/record", new { record = "with the key" }))).WaitAsync(Timeouts.Request);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var bearer = Post("/peer", new { targetUrl = other.Address });
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var dialed = await node.Http.SendAsync(bearer).WaitAsync(Timeouts.Connect);
        Assert.Equal(HttpStatusCode.Created, dialed.StatusCode);
        using var disconnected = await node.Http.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Delete, $"/api/peers/{other.Address}"))).WaitAsync(Timeouts.Request);
        Assert.Equal(HttpStatusCode.OK, disconnected.StatusCode);
        using var all = await node.Http.SendAsync(WithKey(new HttpRequestMessage(HttpMethod.Post, "/api/peers/disconnect"))).WaitAsync(Timeouts.Request);
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal(["\"with the key\""], await node.GetRecordsRawAsync());
    }

    [Fact]
    public async Task WithoutAKeyOnLoopbackTheTutorialsCallsWorkAsBefore()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(2);

        using var dialed = await network[0].PostPeerAsync(network[1].Address);
        using var posted = await network[0].PostRecordAsync("no key needed");

        Assert.Equal(HttpStatusCode.Created, dialed.StatusCode);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
    }

    public static TheoryData<string> NonJsonBodies => ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "none"];

    [Theory]
    [MemberData(nameof(NonJsonBodies))]
    public async Task AJsonEndpointRefusesEveryOtherContentTypeWith415(string contentType)
    {
        // What a cross-site <form> or a no-cors fetch can send without a preflight: all of them used to be stored (201).
        await using var network = await TestNetwork.StartUnconnectedAsync(2);
        var (node, other) = (network[0], network[1]);

        using var record = await node.Http.PostAsync("/record", Body(contentType, "record", "{\"record\":\"from a form\"}")).WaitAsync(Timeouts.Request);
        using var peer = await node.Http.PostAsync("/peer", Body(contentType, "targetUrl", $"{{\"targetUrl\":\"{other.Address}\"}}")).WaitAsync(Timeouts.Request);

        await AssertProblemAsync(record, HttpStatusCode.UnsupportedMediaType, "Unsupported Media Type", "Content-Type: application/json");
        await AssertProblemAsync(peer, HttpStatusCode.UnsupportedMediaType, "Unsupported Media Type", "Content-Type: application/json");
        Assert.Empty(await node.GetRecordsRawAsync());
        Assert.Empty(await node.GetPeersAsync());

        using var json = await node.Http.PostAsync("/record", new StringContent("{\"record\":1}", Encoding.UTF8, "application/json")).WaitAsync(Timeouts.Request);
        Assert.Equal(HttpStatusCode.Created, json.StatusCode);
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Origin", "http://localhost:1")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task ACrossOriginBrowserRequestThatChangesTheNodeIsRefused(string header, string value)
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(2, "--api-key", Key);
        var (node, other) = (network[0], network[1]);

        foreach (var request in ChangingRequests(other.Address))
        {
            // Even with the key (a page cannot know it, but the origin check must not depend on that).
            var crossOrigin = WithKey(request());
            crossOrigin.Headers.TryAddWithoutValidation(header, value);
            using var refused = await node.Http.SendAsync(crossOrigin).WaitAsync(Timeouts.Request);
            await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "Cross-Origin Request Refused");
            Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        }

        Assert.Empty(await node.GetRecordsRawAsync());
        Assert.Empty(await node.GetPeersAsync());
    }

    [Fact]
    public async Task ABrowsersPreflightForAJsonPostFromAnotherOriginGetsNoCorsHeaders()
    {
        // A page elsewhere that posts JSON (or sends X-Api-Key) must ask first; without an Access-Control-Allow-Origin
        // answer the browser never sends the request.
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        var node = network[0];

        foreach (var path in new[] { "/record", "/peer", "/api/peers/disconnect", "/api/peers/127.0.0.1:1" })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
            preflight.Headers.Add("Origin", "https://evil.example");
            preflight.Headers.Add("Access-Control-Request-Method", path.StartsWith("/api/peers/127", StringComparison.Ordinal) ? "DELETE" : "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
            using var answer = await node.Http.SendAsync(preflight).WaitAsync(Timeouts.Request);

            Assert.False(answer.IsSuccessStatusCode, $"OPTIONS {path}: {answer.StatusCode}");
            Assert.DoesNotContain(answer.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task TheNodesOwnPageAndClientsThatAreNotBrowsersMayChangeIt()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1, "--api-key", Key);
        var node = network[0];

        var samePage = WithKey(Post("/record", new { record = "from the page" }));
        samePage.Headers.TryAddWithoutValidation("Origin", node.Identity.Address.HttpUri.GetLeftPart(UriPartial.Authority));
        samePage.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        using var fromPage = await node.Http.SendAsync(samePage).WaitAsync(Timeouts.Request);
        var originOnly = WithKey(Post("/record", new { record = "origin only" }));
        originOnly.Headers.TryAddWithoutValidation("Origin", node.Identity.Address.HttpUri.GetLeftPart(UriPartial.Authority));
        using var fromOlderBrowser = await node.Http.SendAsync(originOnly).WaitAsync(Timeouts.Request);

        Assert.Equal(HttpStatusCode.Created, fromPage.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fromOlderBrowser.StatusCode);
    }

    [Fact]
    public async Task AWebPageCannotOpenAPeerWebSocket()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        var node = network[0];

        using var fromPage = new ClientWebSocket();
        fromPage.Options.CollectHttpResponseDetails = true;
        fromPage.Options.SetRequestHeader("Origin", "https://evil.example");
        await Assert.ThrowsAsync<WebSocketException>(() => fromPage.ConnectAsync(node.Identity.Address.WebSocketUri, CancellationToken.None).WaitAsync(Timeouts.Connect));
        Assert.Equal(HttpStatusCode.Forbidden, fromPage.HttpStatusCode);

        // A peer (no Origin) still connects.
        using var peer = new ClientWebSocket();
        await peer.ConnectAsync(node.Identity.Address.WebSocketUri, CancellationToken.None).WaitAsync(Timeouts.Connect);
        Assert.Equal(WebSocketState.Open, peer.State);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("127.0.0.1.nip.example")]
    [InlineData("localhost.evil.example")]
    public async Task ARequestNamingAHostTheNodeDoesNotAnswerToIsRefused(string host)
    {
        // DNS rebinding: a page at http://evil.example:port whose name now resolves to 127.0.0.1 sends Host: evil.example.
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        var node = network[0];
        var port = node.Identity.Address.Port;

        foreach (var path in new[] { "/records", "/api/node", "/ui", "/openapi/v1.json" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = $"{host}:{port}";
            using var refused = await node.Http.SendAsync(request).WaitAsync(Timeouts.Request);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("Invalid Hostname", await refused.Content.ReadAsStringAsync().WaitAsync(Timeouts.Request), StringComparison.Ordinal);
        }

        using var post = new HttpRequestMessage(HttpMethod.Post, "/record") { Content = JsonContent.Create(new { record = "rebound" }) };
        post.Headers.Host = $"{host}:{port}";
        using var refusedPost = await node.Http.SendAsync(post).WaitAsync(Timeouts.Request);
        Assert.Equal(HttpStatusCode.BadRequest, refusedPost.StatusCode);
        Assert.Empty(await node.GetRecordsRawAsync());

        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Host", $"{host}:{port}");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(node.Identity.Address.WebSocketUri, CancellationToken.None).WaitAsync(Timeouts.Connect));
        Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("node-7.lab.example")]
    public async Task TheNodeAnswersToLoopbackNamesItsPublicAddressAndConfiguredHosts(string host)
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1, "--P2P:AllowedHosts", "node-7.lab.example");
        var node = network[0];

        using var request = new HttpRequestMessage(HttpMethod.Get, "/records");
        request.Headers.Host = $"{host}:{node.Identity.Address.Port}";
        using var answered = await node.Http.SendAsync(request).WaitAsync(Timeouts.Request);

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    [Fact]
    public async Task AClientOverItsRateLimitGets429WithRetryAfter()
    {
        // Loopback is exempt by default (benchmarks, the AppHost's proxy); this node limits it to see the limit work.
        await using var network = await TestNetwork.StartUnconnectedAsync(1,
            "--P2P:RateLimit:PermitsPerSecond", "1", "--P2P:RateLimit:Burst", "2", "--P2P:RateLimit:ExemptLoopback", "false");
        var node = network[0];

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 30 && limited is null; i++)
        {
            var response = await node.Http.GetAsync("/records").WaitAsync(Timeouts.Request);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.True(limited is not null, $"no 429 in a burst of {statuses.Count}: {string.Join(", ", statuses)}");
        using (limited)
        {
            Assert.Equal(HttpStatusCode.OK, statuses[0]);
            await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, "Too Many Requests", "retry after");
            var retryAfter = limited.Headers.RetryAfter?.Delta;
            Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 2 }, $"Retry-After: {limited.Headers.RetryAfter}");
        }
    }

    [Fact]
    public async Task LoopbackClientsAreNotRateLimitedByDefault()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1, "--P2P:RateLimit:PermitsPerSecond", "1", "--P2P:RateLimit:Burst", "1");
        var node = network[0];

        for (var i = 0; i < 20; i++)
        {
            using var response = await node.Http.PostAsJsonAsync("/record", new { record = i }).WaitAsync(Timeouts.Request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }

    private static IEnumerable<Func<HttpRequestMessage>> ChangingRequests(string peerAddress) =>
    [
        () => Post("/record", new { record = "forged" }),
        () => Post("/peer", new { targetUrl = peerAddress }),
        () => new HttpRequestMessage(HttpMethod.Delete, $"/api/peers/{peerAddress}"),
        () => new HttpRequestMessage(HttpMethod.Post, "/api/peers/disconnect"),
    ];

    private static HttpRequestMessage Post(string path, object body) => new(HttpMethod.Post, path) { Content = JsonContent.Create(body) };

    private static HttpRequestMessage WithKey(HttpRequestMessage request)
    {
        request.Headers.Add("X-Api-Key", Key);
        return request;
    }

    private static HttpContent Body(string contentType, string field, string json) => contentType switch
    {
        "application/x-www-form-urlencoded" => new FormUrlEncodedContent([new(field, json)]),
        "multipart/form-data" => new MultipartFormDataContent { { new StringContent(json), field } },
        "none" => new ByteArrayContent(Encoding.UTF8.GetBytes(json)),
        _ => new StringContent(json, Encoding.UTF8, contentType),
    };

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string title, string? detailContains = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync().WaitAsync(Timeouts.Request));
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(title, problem.RootElement.GetProperty("title").GetString());
        Assert.Equal(title, problem.RootElement.GetProperty("message").GetString());
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }
}
