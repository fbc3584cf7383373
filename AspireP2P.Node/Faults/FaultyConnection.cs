using System.Threading.Channels;
using AspireP2P.Node.Transport;

namespace AspireP2P.Node.Faults;

/// <summary>A link's connection as <see cref="NetworkFaults"/> make it: silent while partitioned, late when delayed.</summary>
public sealed class FaultyConnection : IPeerConnection
{
    /// <summary>What one lost packet costs TCP: a retransmission timeout.</summary>
    private static readonly TimeSpan Retransmission = TimeSpan.FromMilliseconds(200);

    private readonly IPeerConnection _inner;
    private readonly NetworkFaults _faults;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Channel<(byte[] Message, DateTimeOffset Due)> _delayed = Channel.CreateUnbounded<(byte[], DateTimeOffset)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private Task? _pump;
    private DateTimeOffset _lastDue;

    public FaultyConnection(IPeerConnection inner, NetworkFaults faults, TimeProvider time, Random random)
    {
        _inner = inner;
        _faults = faults;
        _time = time;
        _random = random;
    }

    public string Remote => _inner.Remote;

    public async ValueTask<InboundFrame> ReceiveAsync(int maxBytes, CancellationToken cancellationToken)
    {
        var frame = await _inner.ReceiveAsync(maxBytes, cancellationToken);
        if (frame.Kind != FrameKind.Closed)
        {
            // Partitioned: what arrives is not read until the partition ends (then in order, as TCP delivers it), or
            // ever, if the link ends first.
            await _faults.WaitWhilePartitionedAsync(cancellationToken);
        }

        return frame;
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var settings = _faults.Links;
        if (!settings.Any && _pump is null && !_faults.IsPartitioned)
        {
            return _inner.SendAsync(message, cancellationToken);
        }

        var delay = TimeSpan.FromMilliseconds(settings.LatencyMs + (settings.JitterMs * ((2 * _random.NextDouble()) - 1)));
        while (_random.NextDouble() * 100 < settings.LossPercent)
        {
            delay += Retransmission;
        }

        // In order, as on TCP: a late message holds back those behind it.
        var due = _time.GetUtcNow() + (delay > TimeSpan.Zero ? delay : TimeSpan.Zero);
        _lastDue = due > _lastDue ? due : _lastDue;
        _pump ??= PumpAsync(_stopping.Token);
        _delayed.Writer.TryWrite((message.ToArray(), _lastDue));
        return ValueTask.CompletedTask;
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (message, due) in _delayed.Reader.ReadAllAsync(cancellationToken))
            {
                var wait = due - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken);
                }

                // Partitioned: held until the partition ends, then sent in order (or never, if the link ends first).
                await _faults.WaitWhilePartitionedAsync(cancellationToken);
                await _inner.SendAsync(message, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            // The link is ending.
        }
    }

    public ValueTask CloseAsync(string reason, CancellationToken cancellationToken) =>
        _faults.IsPartitioned ? ValueTask.CompletedTask : _inner.CloseAsync(reason, cancellationToken);

    public void Abort()
    {
        if (!_faults.IsPartitioned)
        {
            _inner.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _delayed.Writer.TryComplete();
        if (_pump is not null)
        {
            await _pump;
        }

        _stopping.Dispose();
        if (_faults.PartitionedUntil is { } until)
        {
            // A dark node says nothing, not even goodbye (no FIN): its side of the connection ends with the partition.
            _ = EndAfterAsync(until);
            return;
        }

        await _inner.DisposeAsync();
    }

    private async Task EndAfterAsync(DateTimeOffset until)
    {
        var left = until - _time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left, _time);
        }

        _inner.Abort();
        await _inner.DisposeAsync();
    }
}
