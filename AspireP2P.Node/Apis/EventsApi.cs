using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Apis;

/// <summary>
/// <c>GET /api/events</c>: the node's live change feed as server-sent events, for the web page.
/// <list type="bullet">
/// <item><c>hello</c> once: id, address, dashboard URL and how many records the node held then;</item>
/// <item><c>record</c> for every record stored after that, as it is stored (<c>?values=false</c> leaves the values out);</item>
/// <item><c>state</c>: peers, links opened to us and counters, at start and whenever they change (checked each second);</item>
/// <item><c>gap</c> when records arrived faster than the stream could send them: the newest ones are sent, the rest are skipped.</item>
/// </list>
/// A stream costs nothing per record but a wake-up signal; it reads records from the store itself, so there is no queue to grow.
/// Pages served by other nodes may read it too (the network view follows every node's stream), from loopback or peer origins.
/// </summary>
public static class EventsApi
{
    /// <summary>Most records one wake-up sends; beyond it the stream skips ahead (and says so with a <c>gap</c> event).</summary>
    internal const int MaxBurst = 256;

    private static readonly TimeSpan StateInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StateHeartbeat = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/events", GetEvents)
            .WithName("GetEvents")
            .WithTags("Node")
            .WithSummary("Server-sent events: hello, then every new record as it is stored, and peer/counter state when it changes.")
            .ProducesEventStream("Events as they happen: hello (UiHello) once, record (UiRecord; ?values=false leaves values out), state (UiState), gap (UiGap).");
        return app;
    }

    public static ServerSentEventsResult<string> GetEvents(
        HttpContext context, NodeCore core, IOptions<NodeOptions> options, IHostApplicationLifetime lifetime, TimeProvider time, bool? values)
    {
        AllowPeerOrigin(context, core);
        var feed = new Feed(core, options.Value, time, values ?? true);
        return TypedResults.ServerSentEvents(Supervised(feed.ReadAsync(lifetime.ApplicationStopping), core));
    }

    /// <summary>
    /// One stream's policy on an exception nobody expected: logged with its stack and counted, and the stream ends (its
    /// subscription and timer go with it; the page's EventSource reconnects). No other stream or part of the node is touched.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<string>> Supervised(IAsyncEnumerable<SseItem<string>> items, NodeCore core)
    {
        await using var enumerator = items.GetAsyncEnumerator();
        while (true)
        {
            SseItem<string> item;
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    yield break;
                }

                item = enumerator.Current;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                core.Context.Supervisor.Report("events feed", ex);
                yield break;
            }

            yield return item;
        }
    }

    /// <summary>
    /// Lets a page served by another node (or any page on this machine) read the stream: the origin is echoed when its host
    /// is a loopback address, this node's host or the host of a known peer. Nothing else is opened cross-origin.
    /// </summary>
    internal static void AllowPeerOrigin(HttpContext context, NodeCore core)
    {
        context.Response.Headers.Vary = "Origin";
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0 || !Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return;
        }

        var host = uri.Host;
        var allowed = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip))
            || host.Equals(core.Local.Address.Host, StringComparison.OrdinalIgnoreCase)
            || core.Mesh.Snapshot.Peers.Any(p => HostOf(p.Address).Equals(host, StringComparison.OrdinalIgnoreCase));
        if (allowed)
        {
            context.Response.Headers.AccessControlAllowOrigin = origin;
        }
    }

    private static string HostOf(string address) => Protocol.PeerAddress.TryParse(address, out var parsed, out _) ? parsed.Host : address;

    /// <summary>One subscriber's stream. Records are read from the store by position; the store's event only wakes the loop.</summary>
    private sealed class Feed(NodeCore core, NodeOptions options, TimeProvider time, bool withValues)
    {
        private RecordStore Store => core.Store;

        private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });

        private int _stateDue;

        public async IAsyncEnumerable<SseItem<string>> ReadAsync(CancellationToken stopping, [EnumeratorCancellation] CancellationToken aborted = default)
        {
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping, aborted);
            var token = cancellation.Token;
            using var subscription = Store.Subscribe(OnAdded);
            using var timer = time.CreateTimer(_ => OnTick(), null, StateInterval, StateInterval);
            {
                // Positions in the record log (which only grows): a replaced record leaves an empty slot behind.
                var next = Store.Length;
                yield return Item(JsonSerializer.Serialize(UiViews.Hello(core, options, next), UiJsonContext.Relaxed.UiHello), "hello");

                var lastState = JsonSerializer.Serialize(UiViews.State(core), UiJsonContext.Relaxed.UiState);
                var lastStateAt = time.GetTimestamp();
                yield return Item(lastState, "state");

                var buffer = new StoredEntry?[64];
                while (await WaitAsync(token))
                {
                    var count = Store.Length;
                    if (count - next > MaxBurst)
                    {
                        yield return Item(JsonSerializer.Serialize(new UiGap(next, count - MaxBurst), UiJsonContext.Relaxed.UiGap), "gap");
                        next = count - MaxBurst;
                    }

                    while (next < count)
                    {
                        var copied = Store.Read(next, buffer.AsSpan(0, (int)Math.Min(buffer.Length, count - next)));
                        if (copied == 0)
                        {
                            break;
                        }

                        for (var i = 0; i < copied; i++)
                        {
                            if (buffer[i] is not { Kind: RowKind.Visible } stored)
                            {
                                continue;
                            }

                            var record = UiViews.Record(stored, withValues);
                            yield return Item(JsonSerializer.Serialize(record, UiJsonContext.Relaxed.UiRecord), "record");
                        }

                        Array.Clear(buffer, 0, copied);
                        next += copied;
                    }

                    if (Interlocked.Exchange(ref _stateDue, 0) == 1)
                    {
                        var state = JsonSerializer.Serialize(UiViews.State(core), UiJsonContext.Relaxed.UiState);
                        if (state != lastState || time.GetElapsedTime(lastStateAt) >= StateHeartbeat)
                        {
                            lastState = state;
                            lastStateAt = time.GetTimestamp();
                            yield return Item(state, "state");
                        }
                    }
                }
            }
        }

        private static SseItem<string> Item(string json, string type) => new(json, type);

        private void OnAdded() => _wake.Writer.TryWrite(true);

        private void OnTick()
        {
            Volatile.Write(ref _stateDue, 1);
            _wake.Writer.TryWrite(true);
        }

        /// <summary>Waits for a record or the state tick; false once the client left or the node is stopping.</summary>
        private async Task<bool> WaitAsync(CancellationToken token)
        {
            try
            {
                await _wake.Reader.ReadAsync(token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }
}
