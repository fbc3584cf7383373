using System.Collections.Concurrent;
using System.Security.Cryptography;
using AspireP2P.Node.Hosting;

namespace AspireP2P.Node.Ui;

/// <summary>
/// The page's three files, embedded in the node's assembly (no wwwroot on disk, no build step). Each is read from the
/// assembly the first time it is asked for, so a node that nobody opens in a browser never loads them.
/// </summary>
internal static class UiAssets
{
    private const string ResourcePrefix = "AspireP2P.Node.Ui.";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["ui.css"] = "text/css; charset=utf-8",
        ["ui.js"] = "text/javascript; charset=utf-8",
    };

    // The page talks to this node and reads other nodes' event streams (the network view), nothing else.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http: https:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly ConcurrentDictionary<string, Asset> Loaded = new(StringComparer.Ordinal);

    public static async Task Serve(HttpContext context, string name)
    {
        if (!ContentTypes.TryGetValue(name, out var contentType))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var asset = Loaded.GetOrAdd(name, Load);
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        var bytes = asset.Bytes;
        if (name == "index.html" && context.RequestServices.GetRequiredService<ApiKeyVerifier>().PageTokenFor(context) is { } token)
        {
            // The page of a browser on this machine, with the token that stands in for the API key: never stored anywhere.
            headers.CacheControl = "no-store";
            bytes = UiPageToken.Embed(bytes, token);
        }
        else
        {
            headers.CacheControl = "no-cache";
            headers.ETag = asset.ETag;
            if (context.Request.Headers.IfNoneMatch == asset.ETag)
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
        }

        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static Asset Load(string name)
    {
        using var stream = typeof(UiAssets).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"The page's file {name} is not embedded in the node (see AspireP2P.Node.csproj).");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return new Asset(bytes, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes), 0, 8)}\"");
    }

    private sealed record Asset(byte[] Bytes, string ETag);
}
