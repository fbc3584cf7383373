using System.Net;
using AspireP2P.Node.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AspireP2P.Tests.Unit;

/// <summary>Which credentials open the endpoints that change a node: the key from anywhere, the page token only from this machine.</summary>
public sealed class ApiKeyVerifierTests
{
    private const string Key = "0123456789abcdef-test-key";

    [Fact]
    public void WithoutAConfiguredKeyEveryRequestIsAuthorized()
    {
        var verifier = Verifier(key: null);

        Assert.False(verifier.KeyRequired);
        Assert.True(verifier.IsAuthorized(Request("10.0.0.7")));
        Assert.Null(verifier.PageTokenFor(Request("127.0.0.1")));
    }

    [Theory]
    [InlineData("X-Api-Key", Key)]
    [InlineData("Authorization", "Bearer " + Key)]
    [InlineData("Authorization", "bearer " + Key)]
    public void TheKeyIsAcceptedInEitherHeaderFromAnyClient(string header, string value)
    {
        var verifier = Verifier(Key);

        Assert.True(verifier.IsAuthorized(Request("10.0.0.7", (header, value))));
        Assert.True(verifier.IsAuthorized(Request("127.0.0.1", (header, value))));
    }

    [Theory]
    [InlineData("X-Api-Key", "")]
    [InlineData("X-Api-Key", "0123456789abcdef-test-kez")]
    [InlineData("X-Api-Key", "0123456789abcdef-test-key-and-more")]
    [InlineData("Authorization", Key)]
    [InlineData("Authorization", "Basic " + Key)]
    public void AnythingElseIsRefused(string header, string value)
    {
        Assert.False(Verifier(Key).IsAuthorized(Request("127.0.0.1", (header, value))));
        Assert.False(Verifier(Key).IsAuthorized(Request("127.0.0.1")));
    }

    [Fact]
    public void ARepeatedKeyHeaderIsRefused()
    {
        var context = Request("127.0.0.1");
        context.Request.Headers["X-Api-Key"] = new(["wrong", Key]);

        Assert.False(Verifier(Key).IsAuthorized(context));
    }

    [Fact]
    public void ThePageTokenIsGivenToAndAcceptedFromThisMachineOnly()
    {
        var verifier = Verifier(Key);
        var token = verifier.PageTokenFor(Request("127.0.0.1"));

        Assert.NotNull(token);
        Assert.NotEqual(Key, token);
        Assert.Equal(token, verifier.PageTokenFor(Request("::1")));
        Assert.Null(verifier.PageTokenFor(Request("10.0.0.7")));
        Assert.True(verifier.IsAuthorized(Request("127.0.0.1", ("X-Api-Key", token))));
        Assert.True(verifier.IsAuthorized(Request("::ffff:127.0.0.1", ("X-Api-Key", token))));

        // A copy of the token is worth nothing off the machine, nor through a reverse proxy on it.
        Assert.False(verifier.IsAuthorized(Request("10.0.0.7", ("X-Api-Key", token))));
        Assert.False(verifier.IsAuthorized(Request("127.0.0.1", ("X-Api-Key", token), ("X-Forwarded-For", "203.0.113.9"))));
        Assert.False(verifier.IsAuthorized(Request("127.0.0.1", ("X-Api-Key", token), ("Forwarded", "for=203.0.113.9"))));
        Assert.Null(verifier.PageTokenFor(Request("127.0.0.1", ("X-Forwarded-For", "203.0.113.9"))));
    }

    [Fact]
    public void EachRunHasItsOwnPageTokenAndItCanBeTurnedOff()
    {
        Assert.NotEqual(Verifier(Key).PageTokenFor(Request("127.0.0.1")), Verifier(Key).PageTokenFor(Request("127.0.0.1")));
        Assert.Null(Verifier(Key, pageToken: false).PageTokenFor(Request("127.0.0.1")));
    }

    private static ApiKeyVerifier Verifier(string? key, bool pageToken = true) =>
        new(Options.Create(new ApiSecurityOptions { ApiKey = key, LoopbackPageToken = pageToken }));

    private static DefaultHttpContext Request(string remote, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }
}
