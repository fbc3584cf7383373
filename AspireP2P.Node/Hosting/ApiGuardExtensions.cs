using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// Wires the guard of the node's HTTP API: host filtering (DNS rebinding), per-client rate limits, and the checks of
/// <see cref="ApiGuardMiddleware"/> (cross-origin requests, JSON content types, the API key).
/// </summary>
public static class ApiGuardExtensions
{
    public static WebApplicationBuilder AddApiGuard(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddApiKeyGuard();

        // The web host's own host filtering (first in the pipeline) reads these instead of the root "AllowedHosts" key.
        services.AddOptions<HostFilteringOptions>()
            .Configure<IOptions<NodeOptions>, IOptions<ApiSecurityOptions>>((filtering, node, security) =>
                filtering.AllowedHosts = ApiGuardHosts.For(node.Value, security.Value));

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<ApiSecurityOptions>, ILoggerFactory>((limiter, security, logs) =>
                ApiGuardRateLimits.Configure(limiter, security.Value.RateLimit, logs.CreateLogger<ApiGuardMiddleware>()));
        return builder;
    }

    /// <summary>
    /// The part of the guard that judges each of the node's endpoints (<see cref="ApiGuardMiddleware"/>: the API key,
    /// cross-origin requests, JSON content types): all an app that hosts the node takes, its host filtering and rate
    /// limits being its own.
    /// </summary>
    internal static IServiceCollection AddApiKeyGuard(this IServiceCollection services)
    {
        services.AddOptions<ApiSecurityOptions>()
            .BindConfiguration(ApiSecurityOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiSecurityOptions>, ApiSecurityOptionsAnnotationsValidator>();
        services.AddSingleton<IValidateOptions<ApiSecurityOptions>, ApiSecurityOptionsValidator>();
        services.AddSingleton<ApiKeyVerifier>();

        // Routing answers a JSON endpoint called with another content type by a bare 415; say what to send instead.
        services.Configure<Microsoft.AspNetCore.Http.ProblemDetailsOptions>(problems =>
        {
            var previous = problems.CustomizeProblemDetails;
            problems.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
                {
                    context.ProblemDetails.Detail = ApiGuardMiddleware.UnsupportedMediaTypeDetail(Apis.ApiEndpointMetadata.JsonContentType);
                    context.ProblemDetails.Extensions["message"] = context.ProblemDetails.Title;
                }
            };
        });
        return services;
    }

    /// <summary>After routing (so each endpoint's metadata is known) and before any endpoint or the peer WebSocket.</summary>
    public static IApplicationBuilder UseApiGuard(this IApplicationBuilder app)
    {
        // Exempt loopback clients skip the rate limiter altogether (its lease and metrics cost something on every one of
        // a benchmark's 20-50k requests per second); everyone else goes through it.
        IOptions<ApiSecurityOptions>? security = null;
        app.UseWhen(
            context => !(ClientAddresses.IsLocal(context)
                && (security ??= context.RequestServices.GetRequiredService<IOptions<ApiSecurityOptions>>()).Value.RateLimit.ExemptLoopback),
            limited => limited.UseRateLimiter());
        return app.UseMiddleware<ApiGuardMiddleware>();
    }
}
