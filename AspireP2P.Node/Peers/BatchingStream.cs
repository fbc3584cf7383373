using System.Net;

namespace AspireP2P.Node.Peers;

/// <summary>
/// The raw connection under an outbound WebSocket, able to gather several WebSocket messages into one write.
/// A link that has a run of records to send opens a batch, sends each record as its own WebSocket message
/// (the protocol is unchanged: one JSON message per frame), and closes the batch, which writes everything
/// in one system call instead of one per message. Outside a batch, writes go straight through, so a lone
/// record is not delayed. Writes are serialized here, so the WebSocket's own writes (pings, close) never
/// interleave with a batch being written.
/// </summary>
public sealed class BatchingStream(Stream inner, int capacity = 64 * 1024) : Stream
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly byte[] _buffer = new byte[capacity];
    private int _length;
    private bool _batching;

    /// <summary>Writes from now on are gathered until <see cref="EndBatchAsync"/> (or until the buffer is full).</summary>
    public void BeginBatch() => Volatile.Write(ref _batching, true);

    /// <summary>Stops gathering without writing (the sender stopped mid-batch); the next write sends what was gathered first.</summary>
    public void AbandonBatch() => Volatile.Write(ref _batching, false);

    /// <summary>Writes whatever the batch gathered, in one write, and goes back to writing straight through.</summary>
    public async ValueTask EndBatchAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _batching, false);
            await DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!Volatile.Read(ref _batching))
            {
                await DrainAsync(cancellationToken).ConfigureAwait(false);
                await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (_length + buffer.Length > _buffer.Length)
            {
                await DrainAsync(cancellationToken).ConfigureAwait(false);
                if (buffer.Length > _buffer.Length)
                {
                    await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
                    return;
                }
            }

            buffer.Span.CopyTo(_buffer.AsSpan(_length));
            _length += buffer.Length;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await DrainAsync(cancellationToken).ConfigureAwait(false);
            await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _writeGate.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        _writeGate.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_length > 0)
        {
            var length = _length;
            _length = 0;
            await inner.WriteAsync(_buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Dials a WebSocket through <c>ClientWebSocket.ConnectAsync(uri, invoker, token)</c>
/// with a handler that puts a <see cref="BatchingStream"/> under the upgraded connection. One per dial, as the
/// client's own default handler is; disposing it after the upgrade leaves the WebSocket open.
/// </summary>
public sealed class BatchingConnector : IDisposable
{
    private readonly Handler _handler = new();

    public BatchingConnector() => Invoker = new HttpMessageInvoker(_handler, disposeHandler: true);

    public HttpMessageInvoker Invoker { get; }

    /// <summary>The upgraded connection, once the dial succeeded.</summary>
    public BatchingStream? Stream => _handler.Stream;

    public void Dispose() => Invoker.Dispose();

    private sealed class Handler() : DelegatingHandler(new SocketsHttpHandler
    {
        // As the WebSocket client's own handler: one connection per dial, nothing pooled, no redirects or cookies.
        PooledConnectionLifetime = TimeSpan.Zero,
        AllowAutoRedirect = false,
        UseCookies = false,
    })
    {
        public BatchingStream? Stream { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
            {
                return response;
            }

            var original = response.Content;
            Stream = new BatchingStream(await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            var upgraded = new UpgradedContent(Stream);
            foreach (var header in original.Headers)
            {
                upgraded.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = upgraded;
            return response;
        }
    }

    /// <summary>Hands the duplex stream itself to the WebSocket client (a StreamContent would wrap it read-only).</summary>
    private sealed class UpgradedContent(Stream stream) : HttpContent
    {
        protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => stream;

        protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(stream);

        protected override Task SerializeToStreamAsync(Stream target, TransportContext? context) => throw new NotSupportedException();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
