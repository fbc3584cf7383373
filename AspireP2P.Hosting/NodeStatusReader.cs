using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;

namespace AspireP2P.Hosting;

/// <summary>Reads a running node's state; the live view's one source (a test gives it one that fails on purpose).</summary>
internal interface INodeStatusReader
{
    /// <summary>
    /// The node's state. A node that cannot be read as expected throws <see cref="HttpRequestException"/>,
    /// <see cref="OperationCanceledException"/> (the deadline), <see cref="System.Text.Json.JsonException"/> or
    /// <see cref="InvalidDataException"/>: the live view shows it as not answering. Anything else is a fault of the reader.
    /// </summary>
    Task<NodeStatus> ReadAsync(Uri node, CancellationToken cancellationToken);
}

/// <summary>Reads a node's state over its public HTTP API: <c>GET /api/node</c> and <c>GET /api/peers</c>, side by side.</summary>
internal sealed class NodeStatusReader(IHttpClientFactory httpClients) : INodeStatusReader
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
