using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>What a <see cref="FakeServer"/> does with each connection.</summary>
public enum FakeServerKind
{
    /// <summary>Accepts and never says a word (a dial to it can only time out).</summary>
    BlackHole,

    /// <summary>Accepts, writes bytes that are not HTTP, and hangs up (a port that speaks another protocol).</summary>
    Garbage,

    /// <summary>Answers every request "404 Not Found" (a plain web server).</summary>
    PlainHttp,

    /// <summary>Upgrades to a WebSocket without any of our headers (a tutorial node, as a dialer sees one), then sends the given text frames.</summary>
    TutorialNode,

    /// <summary>Upgrades, then never reads again, with a tiny receive buffer: the slowest peer there is.</summary>
    Stalled,
}

/// <summary>Something listening on a loopback port that is not one of our nodes: for what a node does when it dials one.</summary>
public sealed class FakeServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly FakeServerKind _kind;
    private readonly string[] _frames;
    private readonly Task _acceptLoop;

    public FakeServer(FakeServerKind kind, params string[] frames)
    {
        _kind = kind;
        _frames = frames;
        if (kind == FakeServerKind.Stalled)
        {
            // The sender's socket fills quickly.
            _listener.Server.ReceiveBufferSize = 4096;
        }

        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far.</summary>
    public int Accepted
    {
        get { lock (_accepted) { return _accepted.Count; } }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_accepted) { _accepted.Add(socket); }
                _ = ServeAsync(socket);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            switch (_kind)
            {
                case FakeServerKind.BlackHole:
                    return;
                case FakeServerKind.Garbage:
                    await socket.SendAsync("\u0001\u0002SSH-2.0-not-http\r\n"u8.ToArray(), _stop.Token);
                    socket.Shutdown(SocketShutdown.Both);
                    return;
                case FakeServerKind.PlainHttp:
                    await ReadRequestAsync(socket);
                    await socket.SendAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found"u8.ToArray(), _stop.Token);
                    return;
                case FakeServerKind.Stalled:
                    socket.ReceiveBufferSize = 4096;
                    await UpgradeAsync(socket);
                    return;
                case FakeServerKind.TutorialNode:
                    await UpgradeAsync(socket);
                    foreach (var frame in _frames)
                    {
                        await socket.SendAsync(TextFrame(frame), _stop.Token);
                    }

                    // Then it reads and discards what it is sent, as long as the connection lasts.
                    var buffer = new byte[4096];
                    while (await socket.ReceiveAsync(buffer, _stop.Token) > 0)
                    {
                    }

                    return;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The other end left, or the server stopped.
        }
    }

    /// <summary>Answers a WebSocket upgrade request with 101 and none of our headers.</summary>
    private async Task UpgradeAsync(Socket socket)
    {
        var request = await ReadRequestAsync(socket);
        var key = request.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))["Sec-WebSocket-Key:".Length..].Trim();
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for the upgrade handshake.
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), _stop.Token);
    }

    private async Task<string> ReadRequestAsync(Socket socket)
    {
        var request = new StringBuilder();
        var buffer = new byte[1];
        while (!request.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await socket.ReceiveAsync(buffer, _stop.Token) > 0)
        {
            request.Append((char)buffer[0]);
        }

        return request.ToString();
    }

    /// <summary>An unmasked (server-to-client) WebSocket text frame.</summary>
    private static byte[] TextFrame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var header = payload.Length < 126 ? [0x81, (byte)payload.Length] : new byte[] { 0x81, 126, (byte)(payload.Length >> 8), (byte)payload.Length };
        return [.. header, .. payload];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop.WaitAsync(Timeouts.Stop);
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }
}
