using System.Net;
using System.Net.WebSockets;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Transport;

/// <summary>Dials peers over WebSocket (ws:// or wss://), sending the upgrade headers and reading the acceptor's.</summary>
public sealed class WebSocketTransport : IPeerTransport
{
    public async Task<DialResult> DialAsync(PeerAddress address, IReadOnlyDictionary<string, string> headers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        // WebSocket pings with a deadline catch a dead peer on links without heartbeats (the tutorial's nodes answer pings).
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(2);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(5);
        foreach (var (name, value) in headers)
        {
            socket.Options.SetRequestHeader(name, value);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(new Uri(address.WebSocketUrl), deadline.Token);
            var response = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, values) in socket.HttpResponseHeaders ?? new Dictionary<string, IEnumerable<string>>())
            {
                response[name] = string.Join(",", values);
            }

            socket.HttpResponseHeaders = null;
            return new DialResult.Connected(new WebSocketConnection(socket, address.ToString()), response);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException or IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            var status = socket.HttpStatusCode;
            string? refusal = null;
            IReadOnlyList<PeerAddress> alternatives = [];
            if (socket.HttpResponseHeaders?.TryGetValue(WireProtocol.RefusalHeader, out var values) == true)
            {
                refusal = values.FirstOrDefault();
            }

            if (socket.HttpResponseHeaders?.TryGetValue(WireProtocol.AlternativesHeader, out var listed) == true)
            {
                alternatives = DialResult.Refused.ParseAlternatives(string.Join(",", listed));
            }

            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            if (refusal is not null && status != 0 && status != HttpStatusCode.SwitchingProtocols)
            {
                // Only one of our nodes refuses with a reason in our header: that reason may be shown.
                return new DialResult.Refused((int)status, refusal, alternatives);
            }

            // Anything else is "not a node of ours": the detail is for the log, never for an answer (no port-scanning oracle).
            var error = status != 0 && status != HttpStatusCode.SwitchingProtocols ? $"the peer answered {(int)status} {status} instead of a WebSocket upgrade"
                : ex is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0.#} s" : ex.InnerException?.Message ?? ex.Message;
            return new DialResult.Failed(error);
        }
    }
}
