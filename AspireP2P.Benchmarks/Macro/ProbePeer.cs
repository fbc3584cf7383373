using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Benchmarks.Macro;

/// <summary>
/// A minimal peer inside the harness: a WebSocket server on 127.0.0.1 that a node dials (POST /peer on the node).
/// A node writes only on links it dialed, so this is how the harness sees a record arrive: each NEW_RECORD is
/// time-stamped (<see cref="Stopwatch.GetTimestamp"/>) the moment its last frame is received, before it is parsed.
/// It announces no node id, so the node treats it as a tutorial node (no heartbeats, whole log on connect).
/// </summary>
public sealed class ProbePeer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _arrivals = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private long _received;

    public string Address { get; private set; } = "";

    public long Received => Interlocked.Read(ref _received);

    public static async Task<ProbePeer> StartAsync()
    {
        var probe = new ProbePeer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(probe.AcceptAsync);
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        probe.Address = new Uri(bound).Authority;
        probe._app = app;
        return probe;
    }

    /// <summary>Completes with the arrival timestamp of the record with this key.</summary>
    public Task<long> ArrivalAsync(string key) => _arrivals.GetOrAdd(key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Forget(string key) => _arrivals.TryRemove(key, out _);

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 404;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), context.RequestAborted);
                    length += result.Count;
                }
                while (!result.EndOfMessage && length < buffer.Length);

                var arrivedAt = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (KeyOf(buffer.AsSpan(0, length)) is { } key)
                {
                    Interlocked.Increment(ref _received);
                    _arrivals.GetOrAdd(key, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(arrivedAt);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The node went away.
        }
    }

    /// <summary>payload.key of a NEW_RECORD; null for anything else.</summary>
    private static string? KeyOf(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame);
        var depth = 0;
        var inPayload = false;
        var isRecord = false;
        string? key = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    depth++;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    depth--;
                    if (depth == 1)
                    {
                        inPayload = false;
                    }

                    break;
                case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("type"u8):
                    reader.Read();
                    isRecord = reader.ValueTextEquals("NEW_RECORD"u8);
                    break;
                case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("payload"u8):
                    inPayload = true;
                    break;
                case JsonTokenType.PropertyName when depth == 2 && inPayload && reader.ValueTextEquals("key"u8):
                    reader.Read();
                    key = reader.GetString();
                    break;
            }
        }

        return isRecord ? key : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
