using AspireP2P.Node.Faults;
using AspireP2P.Node.Hosting;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Apis;

/// <summary>The root (the tutorial's "Hello World") and this node's identity, state, counters and limits.</summary>
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
            .WithSummary("Node id and name, address, records and digest, links and lag, health with its reason, totals, mode and caps.")
            .Produces<NodeInfoResponse>();
        return app;
    }

    public static IResult GetNodeInfo(NodeCore core, IOptions<NodeOptions> options) =>
        TypedResults.Json(Info(core, options.Value), ApiJsonContext.Relaxed.NodeInfoResponse);

    internal static NodeInfoResponse Info(NodeCore core, NodeOptions options)
    {
        var local = core.Local;
        var links = core.Context.Links.Snapshot;
        var node = NodeHealth.Of(core);
        var health = node.Status == NodeHealth.Healthy
            ? new NodeHealthView(NodeHealth.Healthy, null, null)
            : node.Status == NodeHealth.Degraded
                ? new NodeHealthView(NodeHealth.Degraded, core.Mesh.Snapshot.Health.Reason, node.Since)
                : new NodeHealthView(node.Status, node.Reason, node.Since);
        return new NodeInfoResponse(
            local.Id.ToString(), local.Name, local.Address.ToString(), local.Address.WebSocketUrl, core.Store.Count, core.Store.Digest.ToString(),
            links.Count, links.Sum(l => l.Lag), health, core.Context.Telemetry.Totals,
            new NodeModeView(options.RequireSignatures, local.Keyring.Enabled, !string.IsNullOrWhiteSpace(options.DataDir), options.DevFaults),
            new NodeLimits(options.MaxRecordBytes, options.MaxFrameBytes, options.TargetPeers, options.MaxPeers),
            core.Environment.Faults is { } faults ? FaultsView(faults) : null);
    }

    internal static NodeFaultsView FaultsView(NetworkFaults faults)
    {
        var links = faults.Links;
        return new NodeFaultsView(faults.PartitionedUntil, links.LatencyMs, links.JitterMs, links.LossPercent);
    }
}
