using System.Buffers;
using System.Net.WebSockets;

namespace AspireP2P.Node.Transport;

/// <summary>A link over a WebSocket (either side): text messages read whole up to the cap, written one per send.</summary>
public sealed class WebSocketConnection(WebSocket socket, string remote) : IPeerConnection
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);

    public string Remote => remote;

    public async ValueTask<InboundFrame> ReceiveAsync(int maxBytes, CancellationToken cancellationToken)
    {
        var length = 0;
        var discarding = false;
        var kind = FrameKind.Text;
        try
        {
            while (true)
            {
                if (length == _buffer.Length && !discarding)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, maxBytes + 1));
                    _buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(_buffer);
                    _buffer = larger;
                }

                var result = await socket.ReceiveAsync(discarding ? _buffer.AsMemory() : _buffer.AsMemory(length), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseOutputQuietlyAsync("bye");
                    var reason = string.IsNullOrEmpty(socket.CloseStatusDescription) ? $"{socket.CloseStatus}" : socket.CloseStatusDescription;
                    return new InboundFrame(FrameKind.Closed, default, $"peer closed the link: {reason}");
                }

                if (!discarding)
                {
                    length += result.Count;
                    if (result.MessageType == WebSocketMessageType.Binary)
                    {
                        (discarding, kind) = (true, FrameKind.Binary);
                    }
                    else if (length > maxBytes)
                    {
                        (discarding, kind) = (true, FrameKind.Oversize);
                    }
                }
                else
                {
                    length += result.Count;
                }

                if (result.EndOfMessage)
                {
                    return discarding ? new InboundFrame(kind, default, null, length) : new InboundFrame(FrameKind.Text, _buffer.AsMemory(0, length), null, length);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            return new InboundFrame(FrameKind.Closed, default, $"connection lost: {ex.Message}");
        }
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken) =>
        socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    public async ValueTask CloseAsync(string reason, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                // 123 bytes is the most a close reason may take.
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, Shorten(reason, 120), timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Already gone.
        }
        finally
        {
            socket.Abort();
        }
    }

    public void Abort() => socket.Abort();

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask CloseOutputQuietlyAsync(string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Already gone.
        }
    }

    private static string Shorten(string text, int maxBytes)
    {
        var ascii = new string(text.Select(c => c < 128 ? c : '?').ToArray());
        return ascii.Length <= maxBytes ? ascii : ascii[..maxBytes];
    }
}
