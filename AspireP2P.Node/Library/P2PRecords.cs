using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node;

/// <summary>
/// <see cref="IP2PRecords"/> over the node's core: publishing goes through its <see cref="Mesh.Publisher"/>, as
/// <c>POST /record</c> does, with the same deadline (<c>P2P:RequestTimeout</c>); a subscription reads the record store
/// by position, woken by the store after each append.
/// </summary>
internal sealed partial class P2PRecords(
    NodeCore core,
    IOptions<NodeOptions> options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<P2PRecords> logger) : IP2PRecords
{
    private const int ReadChunk = 64;

    public Task<P2PPublished> PublishAsync<T>(T value, CancellationToken cancellationToken = default) =>
        PublishAsync(value, TypeInfo<T>(), cancellationToken);

    public async Task<P2PPublished> PublishAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        var max = options.Value.MaxRecordBytes;
        if (bytes.Length > max)
        {
            throw new ArgumentException($"the record is {bytes.Length} bytes of JSON; the cap is {max} bytes (P2P:MaxRecordBytes)", nameof(value));
        }

        if (bytes is [(byte)'n', (byte)'u', (byte)'l', (byte)'l'])
        {
            throw new ArgumentNullException(nameof(value), "the value's JSON is null; the network carries no null records");
        }

        // The call's own deadline, as POST /record's: whatever happens inside the node, the caller is answered in bounded time.
        var timeout = options.Value.RequestTimeout;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            var published = await core.Publisher.PublishAsync(bytes, waiting.Token).ConfigureAwait(false);
            return new P2PPublished(published.Entry.Key, published.TraceId);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the record was not acknowledged within {timeout.TotalSeconds:0.#} s (P2P:RequestTimeout); it may still be stored");
        }
    }

    public IAsyncEnumerable<P2PRecord<T>> SubscribeAsync<T>(P2PSubscribeFrom from = P2PSubscribeFrom.Now, CancellationToken cancellationToken = default) =>
        SubscribeAsync(TypeInfo<T>(), from, cancellationToken);

    public IAsyncEnumerable<P2PRecord<T>> SubscribeAsync<T>(JsonTypeInfo<T> typeInfo, P2PSubscribeFrom from = P2PSubscribeFrom.Now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        // The position is taken now, not at the first MoveNextAsync: "from now" means from the call.
        var start = from == P2PSubscribeFrom.Beginning ? 0 : core.Store.Length;
        return ReadAsync(typeInfo, start, cancellationToken);
    }

    private async IAsyncEnumerable<P2PRecord<T>> ReadAsync<T>(JsonTypeInfo<T> typeInfo, long next, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        using var subscription = core.Store.Subscribe(() => wake.Writer.TryWrite(true));
        var buffer = new StoredEntry?[ReadChunk];
        var local = core.Local.Id;
        while (true)
        {
            // Everything stored up to now, in chunks (older records come from disk); then wait for the next append.
            int copied;
            while ((copied = core.Store.Read(next, buffer)) > 0)
            {
                for (var i = 0; i < copied; i++)
                {
                    if (buffer[i] is { Kind: RowKind.Visible } stored && Read(stored.Entry, typeInfo, local) is { } record)
                    {
                        yield return record;
                    }
                }

                Array.Clear(buffer, 0, copied);
                next += copied;
            }

            try
            {
                await wake.Reader.ReadAsync(ended.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    private P2PRecord<T>? Read<T>(Entry entry, JsonTypeInfo<T> typeInfo, Identity.NodeId local)
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(entry.Value, typeInfo);
        }
        catch (JsonException ex)
        {
            LogSkipped(logger, entry.Key, typeof(T).Name, ex.Message);
            return null;
        }

        return value is null
            ? null
            : new P2PRecord<T>(entry.Key, value, entry.Origin.ToString(), entry.Origin == local, entry.Hops, entry.TraceId?.ToHexString(),
                DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedAtMs));
    }

    private JsonTypeInfo<T> TypeInfo<T>() =>
        json.Value.SerializerOptions.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
        ?? throw new NotSupportedException($"the app's JSON options have no contract for {typeof(T)}: register its JsonSerializerContext with ConfigureHttpJsonOptions, or pass a JsonTypeInfo");

    [LoggerMessage(Level = LogLevel.Debug, Message = "Record {Key} skipped by a subscription: its value is not a {Type} ({Reason})")]
    private static partial void LogSkipped(ILogger logger, string key, string type, string reason);
}
