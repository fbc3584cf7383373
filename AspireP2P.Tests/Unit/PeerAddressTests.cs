using AspireP2P.Node.Protocol;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>Every form a peer may be written in (the tutorial's urlWrapper forms, plus https/wss), and every refusal with its reason.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class PeerAddressTests
{
    public static TheoryData<string, string, int, bool> Accepted => new()
    {
        // The tutorial's three forms.
        { "127.0.0.1:4040", "127.0.0.1", 4040, false },
        { "http://127.0.0.1:4040", "127.0.0.1", 4040, false },
        { "ws://127.0.0.1:4040", "127.0.0.1", 4040, false },
        // Secure schemes.
        { "https://node.example:8443", "node.example", 8443, true },
        { "wss://node.example:8443", "node.example", 8443, true },
        // With a scheme, the scheme's default port applies.
        { "http://node.example", "node.example", 80, false },
        { "ws://node.example", "node.example", 80, false },
        { "https://node.example", "node.example", 443, true },
        { "wss://node.example", "node.example", 443, true },
        // An explicit port that happens to be a scheme's default is still a port.
        { "localhost:80", "localhost", 80, false },
        { "127.0.0.1:443", "127.0.0.1", 443, false },
        // IPv6 literals in brackets.
        { "[::1]:4040", "[::1]", 4040, false },
        { "ws://[::1]:4040", "[::1]", 4040, false },
        // Port range ends, surrounding whitespace, a trailing slash, scheme and host case.
        { "127.0.0.1:1", "127.0.0.1", 1, false },
        { "127.0.0.1:65535", "127.0.0.1", 65535, false },
        { "  127.0.0.1:4040 \n", "127.0.0.1", 4040, false },
        { "http://127.0.0.1:4040/", "127.0.0.1", 4040, false },
        { "HTTP://LocalHost:4040", "localhost", 4040, false },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void AcceptsTheFormsAPeerMayBeWrittenIn(string text, string host, int port, bool secure)
    {
        Assert.True(PeerAddress.TryParse(text, out var address, out var error), error);

        Assert.Equal(new PeerAddress(host, port, secure), address);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("127.0.0.1:4040", "127.0.0.1:4040", "ws://127.0.0.1:4040", "http://127.0.0.1:4040/")]
    [InlineData("https://node.example:8443", "node.example:8443", "wss://node.example:8443", "https://node.example:8443/")]
    [InlineData("http://[::1]:4040", "[::1]:4040", "ws://[::1]:4040", "http://[::1]:4040/")]
    public void WritesTheHandshakeFormAndTheUrlsANodeIsDialedAt(string text, string handshake, string webSocketUrl, string httpUri)
    {
        Assert.True(PeerAddress.TryParse(text, out var address, out _));

        Assert.Equal(handshake, address.ToString());
        Assert.Equal(webSocketUrl, address.WebSocketUrl);
        Assert.Equal(new Uri(webSocketUrl), address.WebSocketUri);
        Assert.Equal(httpUri, address.HttpUri.ToString());
    }

    [Fact]
    public void TheSameNodeWrittenDifferentlyHasOneKey()
    {
        string[] forms = ["127.0.0.1:4040", "http://127.0.0.1:4040", "ws://127.0.0.1:4040/", "WS://127.0.0.1:4040"];

        var keys = forms.Select(f => PeerAddress.TryParse(f, out var a, out _) ? a.Key : f).Distinct();

        Assert.Equal(["127.0.0.1:4040"], keys);
    }

    public static TheoryData<string?, string> Rejected => new()
    {
        { null, "empty" },
        { "", "empty" },
        { "   ", "empty" },
        { "127.0.0.1", "port is missing" },
        { "localhost", "port is missing" },
        { "[::1]", "port is missing" },
        { "ftp://127.0.0.1:21", "scheme 'ftp'" },
        { "tcp://127.0.0.1:4040", "scheme 'tcp'" },
        { "127.0.0.1:0", "port '0' is not a number between 1 and 65535" },
        { "127.0.0.1:65536", "port '65536' is not a number between 1 and 65535" },
        { "127.0.0.1:99999", "port '99999' is not a number between 1 and 65535" },
        { "ws://127.0.0.1:-1", "port '-1' is not a number between 1 and 65535" },
        { "localhost:port", "port 'port' is not a number between 1 and 65535" },
        { ":4040", "host is missing" },
        { "ws://:4040", "host is missing" },
        { "::1:4040", "IPv6 host must be in brackets" },
        { "127.0.0.1:4040/records", "no path, query, fragment or user info" },
        { "http://127.0.0.1:4040/some/path", "no path, query, fragment or user info" },
        { "http://127.0.0.1:4040?q=1", "no path, query, fragment or user info" },
        { "http://127.0.0.1:4040/#peers", "no path, query, fragment or user info" },
        { "http://user:secret@127.0.0.1:4040", "no path, query, fragment or user info" },
        { "user@127.0.0.1:4040", "no path, query, fragment or user info" },
        { "a b:4040", "expected host:port or a http://, https://, ws:// or wss:// URL" },
        { "127.0.0.1:4040" + new string('/', PeerAddress.MaxLength), $"longer than {PeerAddress.MaxLength} characters" },
        { new string('a', PeerAddress.MaxLength) + ".example:4040", $"longer than {PeerAddress.MaxLength} characters" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void RejectsWithAReasonThatSaysWhy(string? text, string reason)
    {
        Assert.False(PeerAddress.TryParse(text, out var address, out var error));

        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Equal(default, address);
    }

    [Fact]
    public void TheErrorNeverEchoesALongInputInFull()
    {
        var longPort = new string('9', 400);

        Assert.False(PeerAddress.TryParse("127.0.0.1:" + longPort, out _, out var error));

        Assert.Contains("between 1 and 65535", error, StringComparison.Ordinal);
        Assert.True(error.Length < 100, error);
    }
}
