using Microsoft.AspNetCore.Mvc;

namespace AspireP2P.Node.Apis;

/// <summary>
/// Marks an endpoint that changes the node (posts, dials, disconnects, dev tools): when <c>P2P:ApiKey</c> is set it
/// answers only requests that carry the key (see <see cref="Hosting.ApiGuardMiddleware"/>). Put it on a handler as
/// <c>[RequireApiKey]</c> or on a route or group with <see cref="ApiEndpointMetadata.RequireApiKey{TBuilder}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class | AttributeTargets.Delegate, AllowMultiple = false)]
public sealed class RequireApiKeyAttribute : Attribute;

/// <summary>Route-table conventions of the API guard; every endpoint that changes the node uses <see cref="RequireApiKey{TBuilder}"/>.</summary>
public static class ApiEndpointMetadata
{
    public const string JsonContentType = "application/json";
    private const string ProblemContentType = "application/problem+json";

    /// <summary>
    /// The endpoint needs the API key (when one is configured) and is documented with its 401 (no or wrong key) and
    /// 403 (a cross-origin browser request) answers. Works on one route or on a whole group (<c>MapGroup("/api/dev").RequireApiKey()</c>).
    /// </summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(
            new RequireApiKeyAttribute(),
            new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ProblemDetails), [ProblemContentType]),
            new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ProblemDetails), [ProblemContentType]));

    /// <summary>
    /// The endpoint reads a JSON body shaped as <typeparamref name="TRequest"/> (documented so) and refuses any other
    /// content type, or none, with a 415: a cross-site form can send text/plain or form data without asking, but not JSON.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<TRequest>(this RouteHandlerBuilder builder) where TRequest : notnull =>
        builder.Accepts<TRequest>(JsonContentType)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
}
