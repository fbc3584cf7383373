using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;

namespace AspireP2P.AppHost;

/// <summary>Reads a node's state over its public HTTP API: <c>GET /api/node</c> and <c>GET /api/peers</c>, side by side.</summary>
internal sealed class NodeStatusReader(IHttpClientFactory httpClients)
{
    public async Task<NodeStatus> ReadAsync(Uri node, CancellationToken cancellationToken)
    {
        var http = httpClients.CreateClient(NodeHttp.ClientName);
        var info = GetAsync(http, new Uri(node, "/api/node"), NodeJsonContext.Default.NodeInfoDocument, cancellationToken);
        var peers = GetAsync(http, new Uri(node, "/api/peers"), NodeJsonContext.Default.PeersDocument, cancellationToken);
        await Task.WhenAll(info, peers).ConfigureAwait(false);
        return NodeStatus.From(await info.ConfigureAwait(false), await peers.ConfigureAwait(false));
    }

    private static async Task<T> GetAsync<T>(HttpClient http, Uri uri, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Add(NodeHttp.LiveViewHeader, "1");
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"GET {uri.AbsolutePath} answered null");
    }
}
