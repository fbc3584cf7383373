using AspireP2P.Node.Apis;
using AspireP2P.Node.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the endpoints of a node that an app hosts (<c>builder.AddP2PNode()</c>).</summary>
public static class P2PNodeEndpointExtensions
{
    /// <summary>
    /// Maps the node's endpoints into the app: the peer protocol (a WebSocket upgrade on <c>/</c>, where peers dial, as
    /// the tutorial's nodes do), the tutorial's API (<c>GET /peers</c>, <c>POST /peer</c>, <c>GET /records</c>,
    /// <c>POST /record</c>), <c>/api/node</c>, <c>/api/peers</c>, the node's page (<c>/ui</c>, <c>/api/records</c>,
    /// <c>/api/events</c>) and, with <c>P2P:DevFaults</c>, <c>/api/dev/*</c>: what an Aspire AppHost's control room reads
    /// and commands. The node's guard (the API key on the endpoints that change it, cross-origin and content-type
    /// refusals) applies to these endpoints only; the app's own endpoints are left as they are.
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns>The app.</returns>
    public static WebApplication MapP2PNode(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.UseWhen(IsNodeRequest, guarded => guarded.UseMiddleware<ApiGuardMiddleware>());
        // A peer dials the node's root; the app's own WebSocket endpoints (any other path) are its own.
        app.Use((context, next) => context.WebSockets.IsWebSocketRequest && IsPeerPath(context.Request.Path)
            ? PeerSocketEndpoint.AcceptPeerAsync(context, next)
            : next(context));

        var node = app.MapGroup("").WithMetadata(NodeEndpoint.Instance);
        node.MapGet("/api/node", NodeApi.GetNodeInfo)
            .WithName("GetNodeInfo")
            .WithTags("Node")
            .WithSummary("Node id and name, address, records and digest, links and lag, health with its reason, totals, mode and caps.")
            .Produces<NodeInfoResponse>();
        node.MapPeersApi();
        node.MapRecordsApi();
        node.MapNodeUi();
        if (app.Services.GetRequiredService<IOptions<NodeOptions>>().Value.DevFaults)
        {
            node.MapDevFaultsApi();
        }

        return app;
    }

    private static bool IsPeerPath(PathString path) => !path.HasValue || path == "/";

    private static bool IsNodeRequest(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<NodeEndpoint>() is not null
        || (context.WebSockets.IsWebSocketRequest && IsPeerPath(context.Request.Path));

    /// <summary>Marks the node's endpoints, so its guard leaves the app's own alone.</summary>
    private sealed class NodeEndpoint
    {
        public static readonly NodeEndpoint Instance = new();
    }
}
