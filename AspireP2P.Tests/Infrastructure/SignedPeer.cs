using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Trust;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// A hand-driven peer that speaks our protocol: it completes the link handshake (identity proven with its own key, as a
/// node of ours does) and then sends exactly the frames a test wants, and nothing else (no heartbeats unless asked).
/// </summary>
public sealed class SignedPeer : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _heartbeats = Task.CompletedTask;

    private SignedPeer(TestFeed feed, LocalNode self)
    {
        Feed = feed;
        Self = self;
    }

    /// <summary>This peer's key and feed: what it signs is signed by this origin.</summary>
    public TestFeed Feed { get; }

    public LocalNode Self { get; }

    /// <summary>The node's id, as it proved it in the handshake.</summary>
    public NodeId NodeId { get; private set; }

    public WebSocketState State => _socket.State;

    /// <param name="feed">The identity to link with (its key signs the handshake).</param>
    /// <param name="listenPort">The port this peer claims to listen on (its advertised address); nothing listens there.</param>
    public static Task<SignedPeer> ConnectAsync(TestNode node, TestFeed feed, int listenPort, string? networkKey = null) =>
        ConnectAsync(new Uri(node.WebSocketUrl), feed, listenPort, networkKey);

    public static async Task<SignedPeer> ConnectAsync(Uri node, TestFeed feed, int listenPort, string? networkKey = null)
    {
        var address = new PeerAddress("127.0.0.1", listenPort, Secure: false);
        var self = new LocalNode(feed.Keys, "signed-peer", () => address, new NetworkKeyring(networkKey), requireSignatures: false);
        var peer = new SignedPeer(feed, self);
        var request = LinkHandshake.CreateRequest(self, LinkHandshake.NewNonce(RandomNumberGenerator.GetBytes));
        peer._socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in request.Headers)
        {
            peer._socket.Options.SetRequestHeader(name, value);
        }

        await peer._socket.ConnectAsync(node, CancellationToken.None).WaitAsync(Timeouts.Connect);
        var headers = (peer._socket.HttpResponseHeaders ?? new Dictionary<string, IEnumerable<string>>())
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var (acceptance, error) = LinkHandshake.ReadResponse(self, request, headers);
        if (acceptance is null)
        {
            throw new InvalidOperationException($"the node's answer did not check out: {error}");
        }

        peer.NodeId = acceptance.PeerId;
        await peer.SendAsync(LinkHandshake.CreateHello(self, request, acceptance));
        return peer;
    }

    public Task SendTextAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Keeps the link alive as a node of ours would: a HEARTBEAT (empty digest, no peers) twice a heartbeat interval.</summary>
    public void StartHeartbeats()
    {
        var frame = MessageCodec.EncodeHeartbeat(default, records: 0, lag: 0, received: 0, peers: []);
        _heartbeats = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                await SendAsync(frame);
            }
        });
    }

    public async Task SendAsync(byte[] frame)
    {
        await _sending.WaitAsync().WaitAsync(Timeouts.Request);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).WaitAsync(Timeouts.Request);
        }
        finally
        {
            _sending.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _heartbeats.WaitAsync(Timeouts.Stop);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or TimeoutException)
        {
            // Stopped, or the node had closed the link.
        }

        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(Timeouts.Request);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
            {
                // The node closed it first (which some tests expect).
            }
        }

        _socket.Dispose();
        _sending.Dispose();
        _stopping.Dispose();
    }
}
