using AspireP2P.Node.Hosting;
using AspireP2P.Node.Peers;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Apis;

/// <summary>The root (the tutorial's "Hello World") and this node's identity, limits and counters.</summary>
public static class NodeApi
{
    public static IEndpointRouteBuilder MapRootApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => TypedResults.Json(new MessageResponse("Hello World"), ApiJsonContext.Relaxed.MessageResponse))
            .WithName("Root")
            .WithTags("Node")
            .WithSummary("The tutorial's greeting: {\"message\": \"Hello World\"}.")
            .WithDescription("A browser asking for HTML (Accept: text/html) is redirected to the node's page, /ui.")
            .Produces<MessageResponse>()
            .Produces(StatusCodes.Status302Found);
        app.MapGet("/api/node", GetNodeInfo)
            .WithName("GetNodeInfo")
            .WithTags("Node")
            .WithSummary("Node id, public address, record and peer counts, running totals and the configured caps.")
            .Produces<NodeInfoResponse>();
        return app;
    }

    public static IResult GetNodeInfo(NodeIdentity identity, RecordStore store, PeerManager peers, NodeTelemetry telemetry, IOptions<NodeOptions> options) =>
        TypedResults.Json(
            new NodeInfoResponse(
                identity.NodeId, identity.Address.ToString(), identity.Address.WebSocketUrl, store.Count, store.Digest.ToString(), peers.ConnectedCount,
                !string.IsNullOrWhiteSpace(options.Value.DataDir), telemetry.Totals,
                new NodeLimits(options.Value.MaxRecordBytes, options.Value.MaxFrameBytes, options.Value.TargetPeers, options.Value.MaxPeers)),
            ApiJsonContext.Relaxed.NodeInfoResponse);
}
