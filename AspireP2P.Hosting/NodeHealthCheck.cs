using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireP2P.Hosting;

/// <summary>
/// Each node's <c>/health</c> probe, read for what it says: the node answers 503 both when it is Degraded (a bootstrap
/// peer not linked, a partition) and when it is Unhealthy (its record log failed), and a plain HTTP check turns both into
/// Unhealthy, so a node that says Degraded showed "Running (Unhealthy)". This one maps the body (<c>Healthy</c>,
/// <c>Degraded</c>, <c>Unhealthy</c>) onto Aspire's health; the <c>p2p</c> report next to it says why.
/// </summary>
internal sealed class NodeHealthCheck(NetworkNode node, IHttpClientFactory httpClients) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (node.Url is not { } url)
        {
            return HealthCheckResult.Unhealthy("its endpoint is not allocated yet");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await httpClients.CreateClient(NodeHttp.ClientName).GetAsync(new Uri(url, "/health"), timeout.Token).ConfigureAwait(false);
            var body = (await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false)).Trim();
            return Interpret((int)response.StatusCode, body);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"GET /health: {(ex is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : ex.Message)}");
        }
    }

    /// <summary>The node's own word: the body of its <c>/health</c>, which must agree with the status code.</summary>
    public static HealthCheckResult Interpret(int statusCode, string body) => (statusCode, body) switch
    {
        (200, "Healthy") => HealthCheckResult.Healthy(),
        (503, "Degraded") => HealthCheckResult.Degraded("the node reports Degraded (the p2p report says why)"),
        // An app that hosts the node maps /health itself; the Aspire template's mapping answers 200 for Degraded.
        (200, "Degraded") => HealthCheckResult.Degraded("the node reports Degraded (the p2p report says why)"),
        (503, "Unhealthy") => HealthCheckResult.Unhealthy("the node reports Unhealthy (the p2p report says why)"),
        _ => HealthCheckResult.Unhealthy($"GET /health answered {statusCode} '{(body.Length > 60 ? body[..60] + "…" : body)}'"),
    };
}

internal static class NodeHealthCheckExtensions
{
    /// <summary>Registers the node's probe and makes it the resource's health check (as WithHttpHealthCheck does for a plain one).</summary>
    public static IResourceBuilder<T> WithNodeHealthCheck<T>(this IResourceBuilder<T> builder, NetworkNode node) where T : IResource
    {
        var key = $"{node.Name}_health";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            key, services => new NodeHealthCheck(node, services.GetRequiredService<IHttpClientFactory>()), failureStatus: null, tags: null));
        return builder.WithHealthCheck(key);
    }
}
