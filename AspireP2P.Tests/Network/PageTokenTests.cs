using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>
/// The page keeps working on a node with an API key, without the key in a URL: the page served to a browser on the
/// node's machine carries a token that stands in for the key, accepted from loopback only.
/// </summary>
public sealed partial class PageTokenTests
{
    private const string Key = "0123456789abcdef-page-test";

    [Fact]
    public async Task ThePageServedOnThisMachineCarriesATokenThatOpensTheChangingEndpoints()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1, "--api-key", Key);
        var node = network[0];

        using var page = await node.Http.GetAsync("/ui").WaitAsync(Timeouts.Request);
        var token = TokenIn(await page.Content.ReadAsStringAsync().WaitAsync(Timeouts.Request));

        Assert.NotEmpty(token);
        Assert.DoesNotContain(Key, token, StringComparison.Ordinal);
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        Assert.Null(page.Headers.ETag);
        using var posted = await SendAsync(node, "/record", new { record = "from the page" }, ("X-Api-Key", token));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
    }

    [Fact]
    public async Task ThroughAForwardingProxyThePageHasNoTokenAndATokenOpensNothing()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(1, "--api-key", Key);
        var node = network[0];
        using var local = await node.Http.GetAsync("/ui").WaitAsync(Timeouts.Request);
        var token = TokenIn(await local.Content.ReadAsStringAsync().WaitAsync(Timeouts.Request));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/ui");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var forwarded = await node.Http.SendAsync(request).WaitAsync(Timeouts.Request);
        using var posted = await SendAsync(node, "/record", new { record = "forwarded" }, ("X-Api-Key", token), ("X-Forwarded-For", "203.0.113.9"));

        Assert.Equal(string.Empty, TokenIn(await forwarded.Content.ReadAsStringAsync().WaitAsync(Timeouts.Request)));
        Assert.Equal(HttpStatusCode.Unauthorized, posted.StatusCode);
    }

    [Theory]
    [InlineData("--P2P:LoopbackPageToken", "false")]
    [InlineData("--P2P:Port", "0")]
    public async Task WithTheTokenOffOrNoKeyThePageCarriesNone(string setting, string value)
    {
        string[] args = setting == "--P2P:Port" ? [] : ["--api-key", Key, setting, value];
        await using var network = await TestNetwork.StartUnconnectedAsync(1, args);

        using var page = await network[0].Http.GetAsync("/ui").WaitAsync(Timeouts.Request);

        Assert.Equal(string.Empty, TokenIn(await page.Content.ReadAsStringAsync().WaitAsync(Timeouts.Request)));
        Assert.NotNull(page.Headers.ETag);
    }

    private static string TokenIn(string html) => TokenMeta().Match(html) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("the page has no p2p-api-token meta tag");

    private static async Task<HttpResponseMessage> SendAsync(TestNode node, string path, object body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await node.Http.SendAsync(request).WaitAsync(Timeouts.Request);
    }

    [GeneratedRegex("<meta name=\"p2p-api-token\" content=\"([^\"]*)\">")]
    private static partial Regex TokenMeta();
}
