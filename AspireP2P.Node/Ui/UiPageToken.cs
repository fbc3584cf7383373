using System.Text;

namespace AspireP2P.Node.Ui;

/// <summary>
/// Puts the page token (<see cref="Hosting.ApiKeyVerifier.PageTokenFor"/>) into the page's
/// <c>&lt;meta name="p2p-api-token"&gt;</c>, where ui.js reads it. Only a same-origin script can read the page: another
/// site's page can neither fetch it (no CORS header is ever sent for it) nor reach it under a name of its own (host
/// filtering refuses foreign Host headers, so DNS rebinding gets a 400).
/// </summary>
internal static class UiPageToken
{
    private const string Placeholder = "<meta name=\"p2p-api-token\" content=\"\">";

    /// <param name="token">Base64url, so it needs no escaping inside the attribute.</param>
    public static byte[] Embed(byte[] page, string token)
    {
        var html = Encoding.UTF8.GetString(page);
        if (!html.Contains(Placeholder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"index.html lacks {Placeholder}: the page could not send the API key's stand-in.");
        }

        return Encoding.UTF8.GetBytes(html.Replace(Placeholder, $"<meta name=\"p2p-api-token\" content=\"{token}\">", StringComparison.Ordinal));
    }
}
