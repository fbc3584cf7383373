using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AspireP2P.Tests.Network;

/// <summary>The OpenAPI document at /openapi/v1.json describes the API as it is, and the Scalar page presents it.</summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class OpenApiTests
{
    private const string Key = "0123456789abcdef-openapi-test";

    /// <summary>Routes that are not API: the page and its files, the document itself and its reference page.</summary>
    private static readonly string[] NotApi = ["/ui", "/ui/{asset}", "/openapi/{documentName}.json", "/scalar/{documentName?}"];

    /// <summary>What every node documents; a node run with <c>--dev-faults true</c> documents <see cref="DevFaultOperations"/> too.</summary>
    private static readonly string[] Operations =
    [
        "DELETE /api/peers/{address}", "GET /", "GET /alive", "GET /api/events", "GET /api/node", "GET /api/peers", "GET /api/records",
        "GET /health", "GET /peers", "GET /records", "POST /api/peers/disconnect", "POST /peer", "POST /record",
    ];

    private static readonly string[] DevFaultOperations = ["GET /api/dev/faults", "POST /api/dev/heal", "POST /api/dev/link-faults", "POST /api/dev/partition", "POST /api/dev/throw"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheDocumentListsEveryMappedRouteAndMethod(bool devFaults)
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1, "--dev-faults", devFaults ? "true" : "false");
        var node = network[0];
        using var document = await GetDocumentAsync(node);
        var paths = document.RootElement.GetProperty("paths");

        var endpoints = node.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/record");
        Assert.Equal(devFaults, endpoints.Any(e => e.RoutePattern.RawText!.StartsWith("/api/dev/", StringComparison.Ordinal)));
        var missing = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (NotApi.Contains(pattern) || endpoint.RoutePattern.RawText!.StartsWith("/scalar", StringComparison.Ordinal))
            {
                Assert.NotNull(endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>());
                continue;
            }

            // Endpoints without method metadata (the health checks) answer GET like any other.
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods.Where(m => m != "HEAD"))
            {
                if (!paths.TryGetProperty(pattern, out var path) || !path.TryGetProperty(method.ToLowerInvariant(), out _))
                {
                    missing.Add($"{method} {pattern}");
                }
            }
        }

        Assert.Empty(missing);
        var documented = paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}")).Order().ToList();
        Assert.Equal(Operations.Concat(devFaults ? DevFaultOperations : []).Order(), documented);
    }

    /// <summary>Every endpoint that changes the node, and everything under /api/dev/, carries <c>RequireApiKey</c>: a new one left untagged fails here.</summary>
    [Fact]
    public async Task EveryEndpointThatChangesTheNodeNeedsTheKeyAndSaysSo()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1, "--dev-faults", "true");
        var node = network[0];
        using var document = await GetDocumentAsync(node);
        var checkedOperations = new List<string>();

        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is not "get" || path.Name.StartsWith("/api/dev/", StringComparison.Ordinal)))
            {
                var what = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                Assert.True(operation.Value.TryGetProperty("security", out var security), $"{what} has no security requirement");
                Assert.Equal(["ApiKey", "Bearer"], security.EnumerateArray().SelectMany(s => s.EnumerateObject().Select(p => p.Name)));
                Assert.Superset(new HashSet<string> { "401", "403", "429" }, Responses(operation.Value).ToHashSet());
                checkedOperations.Add(what);
            }
        }

        Assert.Superset(
            new HashSet<string>(["POST /record", "POST /peer", "DELETE /api/peers/{address}", "POST /api/peers/disconnect", .. DevFaultOperations]),
            checkedOperations.ToHashSet());

        var schemes = document.RootElement.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task PostRecordAnswersExactlyWhatTheDocumentSays()
    {
        // A log that can be made to fail as a full disk does, for the 503.
        var log = new MemoryRecordLog();
        await using var node = await TestNode.StartAsync("documented", services => services.AddSingleton<IRecordLog>(log),
            "--api-key", Key, "--P2P:RateLimit:PermitsPerSecond", "1", "--P2P:RateLimit:Burst", "40", "--P2P:RateLimit:ExemptLoopback", "false");
        using var document = await GetDocumentAsync(node);
        var post = document.RootElement.GetProperty("paths").GetProperty("/record").GetProperty("post");
        Assert.Equal(["application/json"], post.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name));

        var seen = new Dictionary<string, string?>();
        await ObserveAsync(seen, node, HttpStatusCode.Created, Post("{\"record\":\"documented\"}", key: true));
        await ObserveAsync(seen, node, HttpStatusCode.BadRequest, Post("{\"record\":null}", key: true));
        await ObserveAsync(seen, node, HttpStatusCode.Unauthorized, Post("{\"record\":\"no key\"}", key: false));
        await ObserveAsync(seen, node, HttpStatusCode.Forbidden, Post("{\"record\":\"cross-site\"}", key: true, origin: "https://evil.example"));
        await ObserveAsync(seen, node, HttpStatusCode.RequestEntityTooLarge, Post($"{{\"record\":\"{new string('x', 70_000)}\"}}", key: true));
        await ObserveAsync(seen, node, HttpStatusCode.UnsupportedMediaType, Post("{\"record\":\"form\"}", key: true, contentType: "text/plain"));
        log.FailWrites("disk full");
        await ObserveAsync(seen, node, HttpStatusCode.ServiceUnavailable, Post("{\"record\":\"not stored\"}", key: true));
        for (var i = 0; i < 200 && !seen.ContainsKey("429"); i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/record") { Content = JsonContent.Create(new { record = i }) };
            request.Headers.Add("X-Api-Key", Key);
            using var response = await node.Http.SendAsync(request, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                seen["429"] = response.Content.Headers.ContentType?.MediaType;
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }

        var documented = post.GetProperty("responses");
        Assert.Equal(documented.EnumerateObject().Select(r => r.Name).Order(), seen.Keys.Order());
        foreach (var (status, contentType) in seen)
        {
            var content = documented.GetProperty(status).GetProperty("content");
            Assert.True(content.TryGetProperty(contentType!, out _), $"{status} came as {contentType}; documented as {string.Join(", ", content.EnumerateObject().Select(c => c.Name))}");
        }

        Assert.Equal("#/components/schemas/RecordCreatedResponse", documented.GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.True(documented.GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));
    }

    [Fact]
    public async Task TheScalarPageServesTheDocumentFromTheNodeItself()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1);
        var node = network[0];

        using var page = await node.Http.GetAsync("/scalar", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        using var script = await node.Http.GetAsync("/scalar/scalar.js", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    private static async Task<JsonDocument> GetDocumentAsync(TestNode node)
    {
        using var response = await node.Http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken));
    }

    private static IEnumerable<string> Responses(JsonElement operation) => operation.GetProperty("responses").EnumerateObject().Select(r => r.Name);

    private static HttpRequestMessage Post(string body, bool key, string? origin = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/record") { Content = new StringContent(body, Encoding.UTF8, contentType) };
        if (key)
        {
            request.Headers.Add("X-Api-Key", Key);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return request;
    }

    private static async Task ObserveAsync(Dictionary<string, string?> seen, TestNode node, HttpStatusCode expected, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await node.Http.SendAsync(request, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
            Assert.Equal(expected, response.StatusCode);
            seen[((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)] = response.Content.Headers.ContentType?.MediaType;
        }
    }
}
