using Microsoft.Extensions.DependencyInjection;

namespace AspireP2P.Hosting;

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

    /// <param name="name">The client's name: one per network, since each network has its own API key.</param>
    /// <param name="apiKey">
    /// The network's API key parameter, read on every request (it may be replaced before the start); null for the client
    /// that only reads (the live view, health checks), which every network shares.
    /// </param>
    public static IServiceCollection AddNodeHttpClient(this IServiceCollection services, string name, Func<ParameterResource>? apiKey)
    {
        // No request logging: the live view reads every node every second, and a node that is still starting refuses
        // the connection; IHttpClientFactory would print four lines (and a stack trace) per read into the AppHost's
        // console. The live view and the commands report failures themselves.
        var client = services.AddHttpClient(name, http => http.Timeout = TimeSpan.FromSeconds(30)).RemoveAllLoggers();
        if (apiKey is not null)
        {
            client.AddHttpMessageHandler(() => new ApiKeyHandler(apiKey));
        }

        return services;
    }

    private sealed class ApiKeyHandler(Func<ParameterResource> apiKey) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!request.Headers.Contains(ApiKeyHeader) && await apiKey().GetValueAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } key)
            {
                request.Headers.Add(ApiKeyHeader, key);
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
