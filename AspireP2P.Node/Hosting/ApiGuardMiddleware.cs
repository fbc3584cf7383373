using AspireP2P.Node.Apis;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// Refuses what a web page in someone's browser could otherwise make the node do, after routing picked the endpoint:
/// <list type="number">
/// <item>a cross-origin browser request that changes something, or opens a WebSocket (403): judged by
/// <c>Sec-Fetch-Site</c>, else by <c>Origin</c> against the request's own host, as Go's
/// <c>http.CrossOriginProtection</c> does; clients that are not browsers send neither and pass;</item>
/// <item>a JSON endpoint (<c>AcceptsJson</c>) called without a Content-Type (415; a wrong one never reaches here:
/// routing answers it with a 415 of its own);</item>
/// <item>an endpoint marked <c>RequireApiKey</c> called without the key when one is configured (401).</item>
/// </list>
/// Hosts the node does not answer to are refused before this by host filtering, and floods by the rate limiter.
/// </summary>
internal sealed class ApiGuardMiddleware(RequestDelegate next, ApiKeyVerifier keys, ILogger<ApiGuardMiddleware> logger)
{
    private const string SecFetchSite = "Sec-Fetch-Site";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        // An upgrade is judged here by its header: the WebSocket middleware that would say so runs after this one.
        if ((!IsSafe(request.Method) || request.Headers.ContainsKey(HeaderNames.Upgrade)) && CrossOriginReason(request) is { } reason)
        {
            ApiGuardLog.CrossOriginRefused(logger, request.Method, request.Path, RemoteOf(context), reason);
            return ApiProblem.WriteAsync(context, StatusCodes.Status403Forbidden, "Cross-Origin Request Refused",
                $"this node takes changes only from its own page and from clients that are not browsers; {reason}");
        }

        if (context.GetEndpoint()?.Metadata is not { } metadata)
        {
            return next(context);
        }

        if (string.IsNullOrEmpty(request.ContentType) && metadata.GetMetadata<IAcceptsMetadata>() is { ContentTypes.Count: > 0 } accepts)
        {
            ApiGuardLog.ContentTypeMissing(logger, request.Method, request.Path, RemoteOf(context));
            return ApiProblem.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type",
                UnsupportedMediaTypeDetail(string.Join(", ", accepts.ContentTypes)));
        }

        if (metadata.GetMetadata<RequireApiKeyAttribute>() is not null && !keys.IsAuthorized(context))
        {
            var presented = request.Headers.ContainsKey(ApiKeyVerifier.ApiKeyHeader) || request.Headers.ContainsKey(HeaderNames.Authorization);
            ApiGuardLog.ApiKeyRefused(logger, request.Method, request.Path, RemoteOf(context), presented ? "wrong API key" : "no API key");
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiProblem.WriteAsync(context, StatusCodes.Status401Unauthorized, "API Key Required",
                presented
                    ? "the API key presented is not this node's (send P2P:ApiKey in X-Api-Key or Authorization: Bearer)"
                    : "this endpoint changes the node: send its API key (P2P:ApiKey, --api-key) in X-Api-Key or Authorization: Bearer");
        }

        return next(context);
    }

    internal static string UnsupportedMediaTypeDetail(string accepted) =>
        $"send the body as JSON with Content-Type: {accepted} (a form or text/plain body is refused: it is what a cross-site page can send)";

    /// <summary>Why a request comes from a page of another origin, or null when it does not (or does not come from a browser).</summary>
    internal static string? CrossOriginReason(HttpRequest request)
    {
        var site = request.Headers[SecFetchSite];
        if (site.Count > 0)
        {
            return site.ToString() is "same-origin" or "none" ? null : $"Sec-Fetch-Site is '{ApiProblem.Quote(site.ToString())}'";
        }

        var origin = request.Headers.Origin;
        if (origin.Count == 0)
        {
            return null;
        }

        return IsSameOrigin(origin.ToString(), request) ? null : $"Origin '{ApiProblem.Quote(origin.ToString())}' is not this node ({ApiProblem.Quote(request.Host.Value)})";
    }

    private static bool IsSameOrigin(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !request.Host.HasValue)
        {
            return false;
        }

        var requestPort = request.Host.Port ?? (request.IsHttps ? 443 : 80);
        return uri.Port == requestPort && string.Equals(uri.IdnHost, request.Host.Host, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static string? RemoteOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
