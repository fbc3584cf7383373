using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Aspire service defaults: OpenTelemetry, health checks, service discovery and HTTP resilience.
/// P2P applications add their own trace sources and meters through <see cref="P2PTelemetryNames"/>.
/// </summary>
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";

    /// <summary>The header the Aspire AppHost's live view sends with its reads of <c>/api/node</c> and <c>/api/peers</c>.</summary>
    public const string LiveViewHeader = "X-P2P-Live-View";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Lowest precedence: the OTEL_* environment (Aspire sets some) and appsettings override these.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = TelemetryDefaults.Export });
        var tracesPerSecond = TelemetryDefaults.TracesPerSecond(builder.Configuration);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        // The sampler reads the request a root span starts at (ASP.NET Core sets it before it starts the span).
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                // A histogram point (a slow request, a slow hop) links to a trace that was kept.
                .SetExemplarFilter(ExemplarFilterType.TraceBased)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(P2PTelemetryNames.Meter))
            .WithTracing(tracing => tracing
                // Decided once, where a trace starts; every span after it, in every node, follows the traceparent flags.
                // Set in code, so it wins over OTEL_TRACES_SAMPLER (Aspire sets always_on).
                .SetSampler(services =>
                {
                    var requests = services.GetRequiredService<IHttpContextAccessor>();
                    return TelemetryDefaults.CreateSampler(tracesPerSecond, untraced: () => requests.HttpContext is { } request && !IsTraceWorthy(request));
                })
                .AddProcessor(new MessagingDisplayProcessor())
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(P2PTelemetryNames.ActivitySource)
                .AddAspNetCoreInstrumentation(options => options.Filter = IsTraceWorthy)
                .AddHttpClientInstrumentation(options =>
                    // A WebSocket upgrade is part of our own "connect" span; a second client span adds nothing.
                    options.FilterHttpRequestMessage = request => request.RequestUri?.Scheme is not ("ws" or "wss")));

        builder.AddOpenTelemetryExporters();
        return builder;
    }

    /// <summary>
    /// Health probes and the AppHost's live-view reads (two per node and second, marked with
    /// <see cref="LiveViewHeader"/>) would flood the trace list, and a WebSocket's server span lives as long as the
    /// socket, so it would never complete; the P2P spans carry the interesting part of those requests. The sampler
    /// drops their traces before they spend any of the node's budget; the instrumentation's filter leaves out the rest.
    /// </summary>
    private static bool IsTraceWorthy(HttpContext context) =>
        !context.WebSockets.IsWebSocketRequest
        && !context.Request.Path.StartsWithSegments(HealthEndpointPath)
        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
        && !context.Request.Headers.ContainsKey(LiveViewHeader);

    private static TBuilder AddOpenTelemetryExporters<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Aspire sets the endpoint for every resource; a node started by hand exports nothing.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check) and <c>/alive</c> (liveness only). Unlike the Aspire template these
    /// are mapped in every environment: a node is a loopback development tool, and the AppHost, the tests
    /// and the benchmark all decide readiness from them. <c>/health</c> answers 503 while Degraded (a node
    /// still dialing its peers), because the AppHost's HTTP health check counts any 200 as healthy.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions
        {
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        return app;
    }
}
