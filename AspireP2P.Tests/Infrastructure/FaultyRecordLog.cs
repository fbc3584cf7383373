using AspireP2P.Node.Identity;
using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// A record log (in memory) that throws what a test tells it to, on the operations it names, for as long as it is told:
/// to prove what the node does with each kind of failure of its storage. <see cref="StallDurability"/> makes every
/// durable wait hang instead (a disk that stopped answering).
/// </summary>
public sealed class FaultyRecordLog : IRecordLog
{
    private readonly MemoryRecordLog _inner = new();
    private readonly Lock _gate = new();
    private readonly List<TaskCompletionSource> _stalled = [];
    private Func<Exception>? _onAppend;
    private Func<Exception>? _onRead;
    private Func<Exception>? _onWait;
    private bool _stall;

    public void FailAppends(Func<Exception>? exception)
    {
        lock (_gate) { _onAppend = exception; }
    }

    public void FailReads(Func<Exception>? exception)
    {
        lock (_gate) { _onRead = exception; }
    }

    public void FailDurableWaits(Func<Exception>? exception)
    {
        lock (_gate) { _onWait = exception; }
    }

    /// <summary>The disk stops taking writes for good (the log's sticky failure, as a full disk gives it).</summary>
    public void Break(string reason) => _inner.FailWrites(reason);

    /// <summary>Durable waits hang (until <see cref="ReleaseDurability"/>, or until the wait's token is cancelled).</summary>
    public void StallDurability()
    {
        lock (_gate) { _stall = true; }
    }

    public void ReleaseDurability()
    {
        TaskCompletionSource[] stalled;
        lock (_gate)
        {
            _stall = false;
            stalled = [.. _stalled];
            _stalled.Clear();
        }

        foreach (var waiter in stalled)
        {
            waiter.TrySetResult();
        }
    }

    public long Length => _inner.Length;

    public long DurableLength => _inner.DurableLength;

    public long PendingBytes => 0;

    public RecordLogFailedException? Failure => _inner.Failure;

    public long Append(NodeId origin, long seq, ulong contentKey, RowKind kind, byte[] blob)
    {
        Throw(_onAppend);
        return _inner.Append(origin, seq, contentKey, kind, blob);
    }

    public ValueTask WaitDurableAsync(long position, CancellationToken cancellationToken)
    {
        Throw(_onWait);
        lock (_gate)
        {
            if (_stall)
            {
                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _stalled.Add(waiter);
                return new ValueTask(waiter.Task.WaitAsync(cancellationToken));
            }
        }

        return _inner.WaitDurableAsync(position, cancellationToken);
    }

    public void Retire(long position) => _inner.Retire(position);

    public int Read(long position, Span<LogRow> rows)
    {
        Throw(_onRead);
        return _inner.Read(position, rows);
    }

    public int ReadFeed(NodeId origin, long fromSeq, long toSeq, Span<LogRow> rows)
    {
        Throw(_onRead);
        return _inner.ReadFeed(origin, fromSeq, toSeq, rows);
    }

    public bool TryGet(NodeId origin, long seq, out LogRow row)
    {
        Throw(_onRead);
        return _inner.TryGet(origin, seq, out row);
    }

    public bool ContainsContent(ulong contentKey)
    {
        Throw(_onRead);
        return _inner.ContainsContent(contentKey);
    }

    public IEnumerable<(long Position, NodeId Origin, long Seq, ulong ContentKey, RowKind Kind)> Scan() => _inner.Scan();

    public void PutOriginKey(NodeId origin, byte[] publicKey) => _inner.PutOriginKey(origin, publicKey);

    public bool TryGetOriginKey(NodeId origin, out byte[] publicKey)
    {
        Throw(_onRead);
        return _inner.TryGetOriginKey(origin, out publicKey);
    }

    public ValueTask DisposeAsync()
    {
        ReleaseDurability();
        return _inner.DisposeAsync();
    }

    private void Throw(Func<Exception>? exception)
    {
        Func<Exception>? make;
        lock (_gate) { make = exception; }
        if (make is not null)
        {
            throw make();
        }
    }
}
