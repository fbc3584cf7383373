using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Records;

/// <summary>
/// Opt-in persistence (<c>--data-dir</c>): an append-only JSON-lines file of the record log, reloaded at start.
/// It is one more cursor over the log: a writer loop appends whatever is new, in batches, and flushes each batch
/// to the operating system before POST /record answers 201, so an acknowledged record survives a killed
/// process (kill -9). <c>P2P:Fsync</c> also fsyncs each batch, for power loss. A torn last line (a crash in the
/// middle of a write) is cut off at load. Replaying the file through the store reproduces the same log,
/// conflicts included, so log positions (and peers' resume points) stay valid across restarts.
/// </summary>
public sealed class RecordLog : IHostedLifecycleService, IDisposable
{
    private const string FileName = "records.jsonl";

    private readonly RecordStore _store;
    private readonly NodeIdentity _identity;
    private readonly ILogger<RecordLog> _logger;
    private readonly string? _path;
    private readonly bool _fsync;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _flushed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FileStream? _file;
    private Task _writer = Task.CompletedTask;
    private int _durableLength;

    public RecordLog(RecordStore store, NodeIdentity identity, IOptions<NodeOptions> options, ILogger<RecordLog> logger)
    {
        _store = store;
        _identity = identity;
        _logger = logger;
        _fsync = options.Value.Fsync;
        _path = string.IsNullOrWhiteSpace(options.Value.DataDir) ? null : Path.Combine(options.Value.DataDir, FileName);
    }

    public bool Enabled => _path is not null;

    /// <summary>Completes once the log entry at <paramref name="position"/> is written and flushed (at once when persistence is off).</summary>
    public async Task WaitDurableAsync(int position, CancellationToken cancellationToken)
    {
        while (Enabled && Volatile.Read(ref _durableLength) <= position)
        {
            if (_writer.IsCompleted)
            {
                throw new InvalidOperationException("the record log writer has stopped; the record is not durable");
            }

            await Volatile.Read(ref _flushed).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return Task.CompletedTask;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        Load(_path);
        _durableLength = _store.Length;
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
        _store.Added += (_, _) => _wake.Writer.TryWrite(true);
        _writer = Task.Run(() => WriteLoopAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        // Last of all: whatever peers sent until the very end is written too.
        _wake.Writer.TryWrite(true);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _writer.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _file?.Dispose();
        _stopping.Dispose();
    }

    private void Load(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        var bytes = File.ReadAllBytes(path);
        var ownPrefix = _identity.RecordKeyPrefix;
        long ownSequence = 0;
        var offset = 0;
        while (offset < bytes.Length)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', offset);
            if (newline < 0 || !TryParseLine(bytes.AsSpan(offset, newline - offset), out var record))
            {
                // Only the last line can be incomplete: a crash while it was being written.
                Log.TornTail(_logger, path, offset);
                using var truncate = new FileStream(path, FileMode.Open, FileAccess.Write);
                truncate.SetLength(offset);
                break;
            }

            _store.TryAdd(record);
            if (record.Key.StartsWith(ownPrefix, StringComparison.Ordinal) && long.TryParse(record.Key.AsSpan(ownPrefix.Length), out var sequence))
            {
                ownSequence = Math.Max(ownSequence, sequence);
            }

            offset = newline + 1;
        }

        _identity.ContinueAfter(ownSequence);
        Log.RecordsLoaded(_logger, _store.Count, path);
    }

    private static bool TryParseLine(ReadOnlySpan<byte> line, out StoredRecord record)
    {
        record = null!;
        try
        {
            using var document = JsonDocument.Parse(line.ToArray());
            var root = document.RootElement;
            var value = root.GetProperty("value");
            record = new StoredRecord(
                root.GetProperty("key").GetString()!,
                Encoding.UTF8.GetBytes(value.GetRawText()),
                root.TryGetProperty("origin", out var origin) ? origin.GetString() : null,
                root.TryGetProperty("ts", out var ts) ? ts.GetInt64() : null,
                root.TryGetProperty("hops", out var hops) ? hops.GetInt32() : 0,
                root.TryGetProperty("trace", out var trace) ? trace.GetString() : null,
                root.TryGetProperty("from", out var from) ? from.GetString() : null);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private async Task WriteLoopAsync(CancellationToken stopping)
    {
        var chunk = new StoredRecord?[512];
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        var written = _durableLength;
        while (true)
        {
            var copied = _store.CopyLog(written, chunk);
            if (copied == 0)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    await _wake.Reader.ReadAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // One more pass to write what arrived before the stop.
                }

                continue;
            }

            buffer.ResetWrittenCount();
            for (var i = 0; i < copied; i++)
            {
                if (chunk[i] is { } record)
                {
                    WriteLine(buffer, record);
                }

                chunk[i] = null;
            }

            _file!.Write(buffer.WrittenSpan);
            _file.Flush(flushToDisk: _fsync);
            written += copied;
            Volatile.Write(ref _durableLength, written);
            Interlocked.Exchange(ref _flushed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private static void WriteLine(ArrayBufferWriter<byte> buffer, StoredRecord record)
    {
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("key"u8, record.Key);
            writer.WritePropertyName("value"u8);
            writer.WriteRawValue(record.ValueJson, skipInputValidation: true);
            if (record.Origin is not null)
            {
                writer.WriteString("origin"u8, record.Origin);
            }

            if (record.CreatedAtUnixMs is { } ts)
            {
                writer.WriteNumber("ts"u8, ts);
            }

            writer.WriteNumber("hops"u8, record.Hops);
            if (record.ReceivedFrom is not null)
            {
                writer.WriteString("from"u8, record.ReceivedFrom);
            }

            if (record.TraceId is not null)
            {
                writer.WriteString("trace"u8, record.TraceId);
            }

            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
    }
}
