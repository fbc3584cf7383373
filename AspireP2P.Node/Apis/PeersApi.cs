using System.Text.Json;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Apis;

/// <summary>The tutorial's peer API (GET /peers, POST /peer) and a richer view for people and tools.</summary>
public static class PeersApi
{
    private const string TargetFail = "Target URL Value Fail";

    public static IEndpointRouteBuilder MapPeersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/peers", GetPeers)
            .WithName("GetPeers")
            .WithTags("Peers")
            .WithSummary("WebSocket URLs of the connected peers, as the tutorial promised: [\"ws://127.0.0.1:4040\"].")
            .Produces<string[]>();
        app.MapPost("/peer", PostPeerAsync)
            .WithName("PostPeer")
            .WithTags("Peers")
            .WithSummary("Connects to {\"targetUrl\": \"host:port\"} and handshakes; answers only once the link is up or has failed.")
            .WithDescription("201 once connected, 200 if already connected; 400 for a missing or invalid address or this node's own, 413 for a "
                + "body over 4 KiB; 502 if no link was made: with the reason when one of this network's nodes refused it, else one answer for "
                + "every other failure (nothing listening, not a node, no answer in time); 409 if a disconnect cancelled the dial; 503 when no "
                + "answer came within P2P:RequestTimeout or the node is stopping.")
            .AcceptsJson<PeerRequest>()
            .RequireApiKey()
            .Produces<PeerConnectResponse>(StatusCodes.Status201Created)
            .Produces<PeerConnectResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/peers", GetPeerDetails)
            .WithName("GetPeerDetails")
            .WithTags("Peers")
            .WithSummary("Every known peer with its id, name, state (connected, connecting, retrying), direction, origin, lag and counters.")
            .Produces<PeersResponse>();
        app.MapPost("/api/peers/disconnect", DisconnectAllAsync)
            .WithName("DisconnectAllPeers")
            .WithTags("Peers")
            .WithSummary("Closes every link in both directions and forgets the peers this node dialed.")
            .RequireApiKey()
            .Produces<DisconnectResponse>();
        return app;
    }

    /// <summary>The tutorial's answer: the peers this node sends records to, as WebSocket URLs.</summary>
    public static IResult GetPeers(NodeCore core) =>
        TypedResults.Json(
            core.Context.Links.Snapshot.Where(l => l.CarriesRecordsOut && l.PeerAddress is not null).Select(l => l.PeerAddress!.Value.WebSocketUrl).Distinct().ToArray(),
            ApiJsonContext.Relaxed.StringArray);

    public static async Task<IResult> PostPeerAsync(HttpRequest request, MeshLoop mesh, IOptions<NodeOptions> options, TimeProvider time)
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

        // The call's own deadline, beyond the dial's (P2P:ConnectTimeout): it answers whatever becomes of the dial.
        var timeout = options.Value.RequestTimeout;
        ConnectOutcome outcome;
        try
        {
            outcome = await mesh.ConnectAsync(address, PeerOrigin.Api).WaitAsync(timeout, time, request.HttpContext.RequestAborted)
                .ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        }
        catch (TimeoutException)
        {
            return JsonBody.Problem(StatusCodes.Status503ServiceUnavailable, "Peer Not Linked Yet",
                $"no answer within {timeout.TotalSeconds:0.#} s (P2P:RequestTimeout); GET /api/peers shows the dial's state");
        }

        var url = outcome.Address.WebSocketUrl;
        return outcome.Status switch
        {
            ConnectStatus.Connected => Json(StatusCodes.Status201Created, $"New Peer: '{url}'", url, outcome.Status),
            ConnectStatus.AlreadyConnected => Json(StatusCodes.Status200OK, $"Already connected to '{url}'", url, outcome.Status),
            ConnectStatus.Self => JsonBody.Problem(StatusCodes.Status400BadRequest, "Cannot Peer With Itself", $"'{url}' is this node's own address"),
            // Said by one of this network's nodes, in its protocol: its reason may be shown.
            ConnectStatus.Refused => JsonBody.Problem(StatusCodes.Status502BadGateway, "Peer Refused", $"'{url}' refused the link: {outcome.Error}"),
            ConnectStatus.Cancelled => JsonBody.Problem(StatusCodes.Status409Conflict, "Dial Cancelled", outcome.Error ?? "the dial was abandoned"),
            ConnectStatus.Unavailable => JsonBody.Problem(StatusCodes.Status503ServiceUnavailable, "Node Unavailable", outcome.Error ?? "the node cannot answer now"),
            // One answer for every other failure, whatever the address answered: not a way to tell ports apart.
            _ => JsonBody.Problem(StatusCodes.Status502BadGateway, "Peer Unreachable", $"could not link to '{url}': {DialAttempt.Unreachable}"),
        };
    }

    public static IResult GetPeerDetails(MeshLoop mesh) =>
        TypedResults.Json(new PeersResponse(mesh.Snapshot.Peers), ApiJsonContext.Relaxed.PeersResponse);

    public static async Task<IResult> DisconnectAllAsync(MeshLoop mesh)
    {
        // The mesh answers within its own deadline for links to end (and at once when the node stops).
        var links = await mesh.DisconnectAllAsync().ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        return TypedResults.Json(new DisconnectResponse($"Closed {links} link{(links == 1 ? "" : "s")}", links), ApiJsonContext.Relaxed.DisconnectResponse);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<PeerConnectResponse> Json(int status, string message, string url, ConnectStatus connect) =>
        TypedResults.Json(new PeerConnectResponse(message, url, connect.ToString()), ApiJsonContext.Relaxed.PeerConnectResponse, statusCode: status);
}
