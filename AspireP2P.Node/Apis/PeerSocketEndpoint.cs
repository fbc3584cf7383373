using System.Diagnostics;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Peers;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Apis;

/// <summary>
/// The WebSocket side of a node. As in the tutorial, a WebSocket upgrade on any path is a peer connecting
/// (the tutorial's nodes dial <c>ws://host:port</c> with no path); plain HTTP requests fall through to the API.
/// </summary>
public static class PeerSocketEndpoint
{
    public static IApplicationBuilder UsePeerSocket(this WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.Use(AcceptPeerAsync);
        var identity = app.Services.GetRequiredService<NodeIdentity>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AspireP2P.Node");
        app.Lifetime.ApplicationStarted.Register(() => Log.NodeStarted(logger, identity.NodeId, identity.Address.ToString()));
        return app;
    }

    private static async Task AcceptPeerAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var identity = context.RequestServices.GetRequiredService<NodeIdentity>();
        // Headers set before the upgrade travel in the response: the dialer learns who it reached.
        context.Response.Headers[WireProtocol.NodeIdHeader] = identity.NodeId;
        context.Response.Headers[WireProtocol.LogIdHeader] = identity.LogId;
        context.Response.Headers[WireProtocol.AddressHeader] = identity.Address.ToString();
        var remoteNodeId = context.Request.Headers[WireProtocol.NodeIdHeader].FirstOrDefault();
        if (remoteNodeId == identity.NodeId)
        {
            await JsonBody.Problem(StatusCodes.Status409Conflict, "Cannot Peer With Itself", "this connection comes from this node itself")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var sessions = context.RequestServices.GetRequiredService<InboundSessions>();
        var remoteLogId = context.Request.Headers[WireProtocol.LogIdHeader].FirstOrDefault() is { Length: > 0 and <= 64 } logId ? logId : null;
        if (remoteLogId is not null)
        {
            // Our nodes replicate from a cursor: tell the dialer where we stopped receiving and what we hold.
            context.Response.Headers[WireProtocol.ResumeHeader] = sessions.ResumePositionFor(remoteLogId).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers[WireProtocol.DigestHeader] = context.RequestServices.GetRequiredService<Records.RecordStore>().Digest.ToString();
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);

        // The request's own span lives as long as the socket; message spans take their parent from the message.
        Activity.Current = null;
        var remote = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        // A peer that re-dials while this node stops must not hold up its shutdown: the session also ends on stopping.
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        await sessions.RunAsync(socket, remote, remoteNodeId, remoteLogId, context.Request.Headers[WireProtocol.AddressHeader].FirstOrDefault(), ended.Token)
            .ConfigureAwait(false);
    }
}
