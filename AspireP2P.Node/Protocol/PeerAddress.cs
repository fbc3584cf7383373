using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AspireP2P.Node.Protocol;

/// <summary>
/// A node's dialable address. Accepts what the tutorial's <c>urlWrapper</c> accepts (<c>host:port</c>,
/// <c>http://host:port</c>, <c>ws://host:port</c>) plus https/wss, and rejects everything else with a reason.
/// </summary>
public readonly record struct PeerAddress(string Host, int Port, bool Secure)
{
    public const int MaxLength = 512;

    /// <summary>The WebSocket URL the node is dialed at (the tutorial's nodes listen on the root path).</summary>
    public Uri WebSocketUri => new(WebSocketUrl);

    /// <summary><c>ws://host:port</c>, as the tutorial prints it.</summary>
    public string WebSocketUrl => $"{(Secure ? "wss" : "ws")}://{Host}:{Port}";

    public Uri HttpUri => new($"{(Secure ? "https" : "http")}://{Host}:{Port}");

    /// <summary>Case-insensitive identity used to avoid two links to one address.</summary>
    public string Key => $"{Host.ToLowerInvariant()}:{Port}";

    /// <summary>The <c>host:port</c> form the tutorial sends as HANDSHAKE payload.</summary>
    public override string ToString() => $"{Host}:{Port}";

    public static bool TryParse([NotNullWhen(true)] string? text, out PeerAddress address, [NotNullWhen(false)] out string? error)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the address is empty";
            return false;
        }

        text = text.Trim();
        if (text.Length > MaxLength)
        {
            error = $"the address is longer than {MaxLength} characters";
            return false;
        }

        var hasScheme = text.Contains("://", StringComparison.Ordinal);
        var (hostText, portText) = SplitAuthority(text);
        if (portText is { Length: > 0 } && !(int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var explicitPort) && explicitPort is >= 1 and <= 65535))
        {
            error = $"the port '{(portText.Length <= 12 ? portText : portText[..12] + "…")}' is not a number between 1 and 65535";
            return false;
        }

        // Without a scheme there is no default port: "127.0.0.1" is missing one ("127.0.0.1:80" is not).
        if (!hasScheme && string.IsNullOrEmpty(portText))
        {
            error = "the port is missing (expected host:port)";
            return false;
        }

        if (!Uri.TryCreate(hasScheme ? text : "ws://" + text, UriKind.Absolute, out var uri))
        {
            error = hostText.Length == 0 ? "the host is missing"
                : hostText.Contains(':', StringComparison.Ordinal) && !hostText.StartsWith('[') ? "an IPv6 host must be in brackets, as in [::1]:4040"
                : "expected host:port or a http://, https://, ws:// or wss:// URL";
            return false;
        }

        bool secure;
        switch (uri.Scheme)
        {
            case "ws" or "http": secure = false; break;
            case "wss" or "https": secure = true; break;
            default:
                error = $"the scheme '{uri.Scheme}' is not one of http, https, ws, wss";
                return false;
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            error = "the host is missing";
            return false;
        }

        if (uri.Port is < 1 or > 65535)
        {
            error = "the port must be between 1 and 65535";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            error = "only scheme, host and port are allowed (no path, query, fragment or user info)";
            return false;
        }

        address = new PeerAddress(uri.Host, uri.Port, secure);
        error = null;
        return true;
    }

    /// <summary>The host and the text after its port colon (null when there is no colon) of the authority part.</summary>
    private static (string Host, string? Port) SplitAuthority(string text)
    {
        var start = text.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 ? scheme + 3 : 0;
        var end = text.IndexOfAny(['/', '?', '#'], start);
        var authority = text[start..(end < 0 ? text.Length : end)];
        authority = authority[(authority.LastIndexOf('@') + 1)..];
        var hostEnd = authority.StartsWith('[') ? authority.IndexOf(']', StringComparison.Ordinal) + 1 : 0;
        var colon = authority.LastIndexOf(':');
        return colon < hostEnd ? (authority, null) : (authority[..colon], authority[(colon + 1)..]);
    }
}
