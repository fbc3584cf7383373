using System.Text.Json;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Apis;

/// <summary>The tutorial's peer API (GET /peers, POST /peer) and a richer view for people and tools.</summary>
public static class PeersApi
{
    private const string TargetFail = "Target URL Value Fail";

    public static IEndpointRouteBuilder MapPeersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/peers", GetPeers)
            .WithName("GetPeers")
            .WithSummary("WebSocket URLs of the connected peers, as the tutorial promised: [\"ws://127.0.0.1:4040\"].");
        app.MapPost("/peer", PostPeerAsync)
            .WithName("PostPeer")
            .WithSummary("Connects to {\"targetUrl\": \"host:port\"} and handshakes; answers only once the link is up or has failed.");
        app.MapGet("/api/peers", GetPeerDetails)
            .WithName("GetPeerDetails")
            .WithSummary("Every known peer with its id, name, state (connected, connecting, retrying), direction, origin, lag and counters.");
        app.MapPost("/api/peers/disconnect", DisconnectAllAsync)
            .WithName("DisconnectAllPeers")
            .WithSummary("Closes every link in both directions and forgets the peers this node dialed.");
        return app;
    }

    /// <summary>The tutorial's answer: the peers this node sends records to, as WebSocket URLs.</summary>
    public static IResult GetPeers(Hosting.NodeCore core) =>
        TypedResults.Json(
            core.Context.Links.Snapshot.Where(l => l.CarriesRecordsOut && l.PeerAddress is not null).Select(l => l.PeerAddress!.Value.WebSocketUrl).Distinct().ToArray(),
            ApiJsonContext.Relaxed.StringArray);

    public static async Task<IResult> PostPeerAsync(HttpRequest request, MeshLoop mesh)
    {
        var (document, error) = await JsonBody.ReadObjectAsync(request, 4096, TargetFail).ConfigureAwait(false);
        if (document is null)
        {
            return error!;
        }

        string? target;
        using (document)
        {
            if (!document.RootElement.TryGetProperty("targetUrl"u8, out var element) || element.ValueKind is JsonValueKind.Null
                || (element.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(element.GetString())))
            {
                return JsonBody.Problem(StatusCodes.Status400BadRequest, TargetFail, "the body must be {\"targetUrl\": \"host:port\"}");
            }

            if (element.ValueKind != JsonValueKind.String)
            {
                return JsonBody.Problem(StatusCodes.Status400BadRequest, TargetFail, $"targetUrl must be a string, not {element.ValueKind.ToString().ToLowerInvariant()}");
            }

            target = element.GetString();
        }

        if (!PeerAddress.TryParse(target, out var address, out var parseError))
        {
            return JsonBody.Problem(StatusCodes.Status400BadRequest, TargetFail, $"'{MessageCodec.Truncate(target, 80)}' is not a peer address: {parseError}");
        }

        var outcome = await mesh.ConnectAsync(address, PeerOrigin.Api, request.HttpContext.RequestAborted);
        var url = outcome.Address.WebSocketUrl;
        return outcome.Status switch
        {
            ConnectStatus.Connected => Json(StatusCodes.Status201Created, $"New Peer: '{url}'", url, outcome.Status),
            ConnectStatus.AlreadyConnected => Json(StatusCodes.Status200OK, $"Already connected to '{url}'", url, outcome.Status),
            ConnectStatus.Pending => Json(StatusCodes.Status202Accepted, $"Peer '{url}' is being dialed; GET /api/peers shows its state", url, outcome.Status),
            ConnectStatus.Self => JsonBody.Problem(StatusCodes.Status400BadRequest, "Cannot Peer With Itself", $"'{url}' is this node's own address"),
            ConnectStatus.Refused => JsonBody.Problem(StatusCodes.Status502BadGateway, "Peer Refused", $"'{url}' refused the link: {outcome.Error}"),
            _ => JsonBody.Problem(StatusCodes.Status502BadGateway, "Peer Unreachable", $"could not connect to '{url}': {outcome.Error}"),
        };
    }

    public static IResult GetPeerDetails(MeshLoop mesh) =>
        TypedResults.Json(new PeersResponse(mesh.Snapshot.Peers), ApiJsonContext.Relaxed.PeersResponse);

    public static async Task<IResult> DisconnectAllAsync(MeshLoop mesh)
    {
        var links = await mesh.DisconnectAllAsync();
        return TypedResults.Json(new DisconnectResponse($"Closed {links} link{(links == 1 ? "" : "s")}", links), ApiJsonContext.Relaxed.DisconnectResponse);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<PeerConnectResponse> Json(int status, string message, string url, ConnectStatus connect) =>
        TypedResults.Json(new PeerConnectResponse(message, url, connect.ToString()), ApiJsonContext.Relaxed.PeerConnectResponse, statusCode: status);
}
