using System.Diagnostics;
using AspireP2P.Node.Transport;

namespace AspireP2P.Node.Apis;

/// <summary>
/// The WebSocket side of a node. As in the tutorial, a WebSocket upgrade on any path is a peer connecting (the tutorial's
/// nodes dial <c>ws://host:port</c> with no path); plain HTTP requests fall through to the API. The node's
/// <see cref="IUpgradeAcceptor"/> judges each upgrade; a refusal is a ProblemDetails with the reason, also in a header
/// the dialer shows.
/// </summary>
public static class PeerSocketEndpoint
{
    public static IApplicationBuilder UsePeerSocket(this WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.Use(AcceptPeerAsync);
        return app;
    }

    internal static async Task AcceptPeerAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await next(context);
            return;
        }

        var acceptor = context.RequestServices.GetRequiredService<IUpgradeAcceptor>();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers)
        {
            headers[name] = values.ToString();
        }

        var remote = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        var decision = acceptor.Evaluate(headers, remote);
        foreach (var (name, value) in decision.ResponseHeaders)
        {
            context.Response.Headers[name] = value;
        }

        if (!decision.Accepted)
        {
            await JsonBody.Problem(decision.Status, "Link Refused", decision.Reason ?? "refused").ExecuteAsync(context);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();

        // The request's own span lives as long as the socket; message spans take their parent from the message.
        Activity.Current = null;
        // A peer that re-dials while this node stops must not hold up its shutdown.
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await acceptor.RunAcceptedAsync(new WebSocketConnection(socket, remote), decision, ended.Token);
        }
        catch (OperationCanceledException)
        {
            // The node is stopping or the peer left.
        }
    }
}
