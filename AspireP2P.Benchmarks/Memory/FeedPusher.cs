using System.Net.WebSockets;
using System.Security.Cryptography;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Trust;

namespace AspireP2P.Benchmarks.Memory;

/// <summary>
/// A stranger that speaks our protocol: it links to a node as one of ours (its own key, proven in the handshake) and
/// pushes records of feeds nobody has seen, each from a key of its own and genuinely signed (issue 20, case 6: 20,000
/// self-signed feeds from one stranger cost every node ≈ 3.8 KiB each, for good). It sends heartbeats so the link stays up.
/// </summary>
internal sealed class FeedPusher : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _heartbeats = Task.CompletedTask;

    public static async Task<FeedPusher> ConnectAsync(Uri node)
    {
        var pusher = new FeedPusher();
        using var keys = NodeKeys.FromSeed(RandomNumberGenerator.GetBytes(32), Ed25519Scheme.Instance);
        var self = new LocalNode(keys, "feed-pusher", () => new PeerAddress("127.0.0.1", 9, false), new NetworkKeyring(null), requireSignatures: false);
        var request = LinkHandshake.CreateRequest(self, LinkHandshake.NewNonce(RandomNumberGenerator.GetBytes));
        pusher._socket.Options.CollectHttpResponseDetails = true;
        foreach (var (name, value) in request.Headers)
        {
            pusher._socket.Options.SetRequestHeader(name, value);
        }

        await pusher._socket.ConnectAsync(node, CancellationToken.None);
        var headers = (pusher._socket.HttpResponseHeaders ?? new Dictionary<string, IEnumerable<string>>())
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var (acceptance, error) = LinkHandshake.ReadResponse(self, request, headers);
        if (acceptance is null)
        {
            throw new InvalidOperationException($"the node's answer did not check out: {error}");
        }

        await pusher.SendAsync(LinkHandshake.CreateHello(self, request, acceptance));
        var heartbeat = MessageCodec.EncodeHeartbeat(default, records: 0, lag: 0, received: 0, peers: []);
        pusher._heartbeats = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            while (await timer.WaitForNextTickAsync(pusher._stop.Token))
            {
                await pusher.SendAsync(heartbeat);
            }
        });
        return pusher;
    }

    /// <summary>Pushes one signed record of each of <paramref name="count"/> new feeds; returns how many were sent.</summary>
    public async Task<int> PushAsync(int count, Func<int, bool>? keepGoing = null)
    {
        for (var i = 0; i < count; i++)
        {
            if (keepGoing?.Invoke(i) == false)
            {
                return i;
            }

            await SendAsync(NewFeedRecord());
        }

        return count;
    }

    private static byte[] NewFeedRecord()
    {
        using var keys = NodeKeys.FromSeed(RandomNumberGenerator.GetBytes(32), Ed25519Scheme.Instance);
        var draft = new Entry
        {
            Origin = keys.Id,
            Seq = 1,
            CreatedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Key = Entry.KeyFor(keys.Id, 1),
            Value = "\"a feed of its own\""u8.ToArray(),
            Signature = [],
        };
        Span<byte> message = stackalloc byte[EntrySignature.SignedMessageLength];
        EntrySignature.SignedMessage(keys.Id, draft.Leaf, message);
        var entry = new Entry
        {
            Origin = draft.Origin,
            Seq = draft.Seq,
            CreatedAtMs = draft.CreatedAtMs,
            Key = draft.Key,
            Value = draft.Value,
            Signature = keys.Sign(message),
            Leaf = draft.Leaf,
        };
        return MessageCodec.EncodeRecord(entry, keys.PublicKey, hops: 1, null, null, sync: false);
    }

    private async Task SendAsync(byte[] frame)
    {
        await _sending.WaitAsync();
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _sending.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _heartbeats;
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // Stopped, or the node closed the link.
        }

        _socket.Abort();
        _socket.Dispose();
        _sending.Dispose();
        _stop.Dispose();
    }
}
