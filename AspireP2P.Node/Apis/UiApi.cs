using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Ui;
using Microsoft.Net.Http.Headers;

namespace AspireP2P.Node.Apis;

/// <summary>
/// The node's web page (<c>/ui</c>) and the small APIs it needs beyond the tutorial's: records with their metadata,
/// newest first and paged (<c>GET /api/records</c>); disconnecting one peer (<c>DELETE /api/peers/{address}</c>);
/// and the live feed (<see cref="EventsApi"/>). A browser opening <c>/</c> is sent to the page; API clients and
/// WebSocket peers keep the tutorial's behaviour there.
/// </summary>
public static class UiApi
{
    public const string PagePath = "/ui";
    internal const int DefaultPageSize = 50;
    internal const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapNodeUi(this IEndpointRouteBuilder app)
    {
        string[] getOrHead = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods(PagePath, getOrHead, (HttpContext context) => UiAssets.Serve(context, "index.html"))
            .WithName("NodeUi")
            .WithSummary("The node's web page: live peers, records, counters and a network view; add peers, post records.")
            .ExcludeFromDescription();
        app.MapMethods(PagePath + "/{asset}", getOrHead, (HttpContext context, string asset) => UiAssets.Serve(context, asset))
            .ExcludeFromDescription();
        app.MapGet("/api/records", GetRecordPage)
            .WithName("GetRecordPage")
            .WithTags("Records")
            .WithSummary("Records with key, value, origin, hops and trace id, newest first: ?before=P (a position, default all) and ?limit=N (1-500, default 50).")
            .Produces<UiRecordPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        app.MapDelete("/api/peers/{address}", DisconnectPeerAsync)
            .WithName("DisconnectPeer")
            .WithTags("Peers")
            .WithSummary("Closes the link this node opened to one peer (host:port or a ws/http URL, URL-encoded) and stops re-dialing it.")
            .WithDescription("400 for an address that does not parse, 404 when this node has no link to it.")
            .RequireApiKey()
            .Produces<PeerDisconnectResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapEventsApi();
        return app;
    }

    /// <summary>Sends a browser that asks <c>/</c> for HTML to the page; every other request to <c>/</c> gets the tutorial's JSON.</summary>
    public static IApplicationBuilder UseNodeUiRedirect(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var request = context.Request;
            if (request.Path == "/" && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
            {
                context.Response.Headers.Vary = HeaderNames.Accept;
                if (AcceptsHtml(request))
                {
                    context.Response.Redirect(PagePath);
                    return Task.CompletedTask;
                }
            }

            return next(context);
        });

    internal static bool AcceptsHtml(HttpRequest request)
    {
        if (request.Headers.Accept.Count == 0)
        {
            return false;
        }

        try
        {
            return request.GetTypedHeaders().Accept.Any(a =>
                a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static IResult GetRecordPage(RecordStore store, long? before, int? limit)
    {
        if (before < 0 || limit is < 1 or > MaxPageSize)
        {
            return JsonBody.Problem(StatusCodes.Status400BadRequest, "Invalid Paging",
                $"before must be zero or positive and limit between 1 and {MaxPageSize}");
        }

        // Pages are ranges of log positions; hidden and retired entries are skipped.
        var total = store.Length;
        var end = Math.Min(before ?? total, total);
        var start = Math.Max(0, end - (limit ?? DefaultPageSize));
        var buffer = new StoredEntry?[end - start];
        var copied = store.Read(start, buffer);
        var items = new List<UiRecord>(copied);
        for (var i = copied - 1; i >= 0; i--)
        {
            if (buffer[i] is { Kind: RowKind.Visible } item)
            {
                items.Add(UiViews.Record(item, withValue: true));
            }
        }

        return TypedResults.Json(new UiRecordPage(total, end, [.. items], start > 0 ? start : null), UiJsonContext.Relaxed.UiRecordPage);
    }

    public static async Task<IResult> DisconnectPeerAsync(string address, MeshLoop mesh)
    {
        const string fail = "Peer Address Fail";
        if (!PeerAddress.TryParse(Uri.UnescapeDataString(address), out var parsed, out var error))
        {
            return JsonBody.Problem(StatusCodes.Status400BadRequest, fail, $"'{MessageCodec.Truncate(address, 80)}' is not a peer address: {error}");
        }

        if (!await mesh.DisconnectAsync(parsed).ConfigureAwait(ConfigureAwaitOptions.ForceYielding))
        {
            return JsonBody.Problem(StatusCodes.Status404NotFound, "Unknown Peer", $"this node has no link to '{parsed}' (GET /api/peers lists them)");
        }

        return TypedResults.Json(new PeerDisconnectResponse($"Disconnected from '{parsed.WebSocketUrl}'", parsed.WebSocketUrl), UiJsonContext.Relaxed.PeerDisconnectResponse);
    }
}
