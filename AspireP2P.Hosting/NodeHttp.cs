using Microsoft.Extensions.DependencyInjection;

namespace AspireP2P.AppHost;

/// <summary>
/// The one HttpClient the AppHost talks to its nodes with: dashboard commands, the live view's reads and bursts.
/// It carries the network's API key on every request, because the node refuses mutating calls without it.
/// </summary>
internal static class NodeHttp
{
    public const string ClientName = "p2p-node";

    /// <summary>The header the node reads the API key from (it also takes <c>Authorization: Bearer</c>).</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>
    /// Marks the live view's reads: the nodes' service defaults leave requests carrying it out of their traces, so two
    /// reads per node and second do not bury the records' traces (same name as in AspireP2P.ServiceDefaults, which the
    /// AppHost does not reference).
    /// </summary>
    public const string LiveViewHeader = "X-P2P-Live-View";

    public static IServiceCollection AddNodeHttpClient(this IServiceCollection services, ParameterResource apiKey)
    {
        // No request logging: the live view reads every node every second, and a node that is still starting refuses
        // the connection; IHttpClientFactory would print four lines (and a stack trace) per read into the AppHost's
        // console. The live view and the commands report failures themselves.
        services.AddHttpClient(ClientName, http => http.Timeout = TimeSpan.FromSeconds(30))
            .AddHttpMessageHandler(() => new ApiKeyHandler(apiKey))
            .RemoveAllLoggers();
        return services;
    }

    private sealed class ApiKeyHandler(ParameterResource apiKey) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!request.Headers.Contains(ApiKeyHeader) && await apiKey.GetValueAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } key)
            {
                request.Headers.Add(ApiKeyHeader, key);
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
