using System.Net.WebSockets;
using System.Text;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>A hand-driven WebSocket client, to send a node exactly the bytes a test wants.</summary>
public sealed class RawPeer : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public WebSocketState State => _socket.State;

    public static Task<RawPeer> ConnectAsync(TestNode node, IReadOnlyDictionary<string, string>? headers = null) => ConnectAsync(new Uri(node.WebSocketUrl), headers);

    public static async Task<RawPeer> ConnectAsync(Uri node, IReadOnlyDictionary<string, string>? headers = null)
    {
        var peer = new RawPeer();
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            peer._socket.Options.SetRequestHeader(name, value);
        }

        await peer._socket.ConnectAsync(node, CancellationToken.None).WaitAsync(Timeouts.Connect);
        return peer;
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type) =>
        await _socket.SendAsync(bytes, type, endOfMessage: true, CancellationToken.None).WaitAsync(Timeouts.Request);

    /// <summary>Hangs up without a word (no close handshake), as a process that died would.</summary>
    public ValueTask AbortAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(Timeouts.Request);
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException)
            {
                // The node closed it first (which some tests expect).
            }
        }

        _socket.Dispose();
    }
}
