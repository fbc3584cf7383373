using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Records.Storage;

/// <summary>
/// The record log in memory: for the simulator and unit tests, where thousands of nodes share one process.
/// Every append is durable at once, unless a disk fault is injected (<see cref="FailWrites"/>), after which it
/// behaves as a failed disk does: sticky failure, nothing waits forever.
/// </summary>
public sealed class MemoryRecordLog : IRecordLog
{
    private readonly Lock _gate = new();
    private readonly List<LogRow> _rows = [];
    private readonly Dictionary<NodeId, SortedList<long, long>> _byFeed = [];
    private readonly Dictionary<ulong, int> _contentKeys = [];
    private readonly Dictionary<NodeId, byte[]> _originKeys = [];
    private RecordLogFailedException? _failure;

    public long Length
    {
        get { lock (_gate) { return _rows.Count; } }
    }

    public long DurableLength => Length;

    public long PendingBytes => 0;

    public RecordLogFailedException? Failure
    {
        get { lock (_gate) { return _failure; } }
    }

    /// <summary>Simulates a disk that stops accepting writes (full disk): every later append fails.</summary>
    public void FailWrites(string reason)
    {
        lock (_gate) { _failure ??= new RecordLogFailedException(reason); }
    }

    public long Append(NodeId origin, long seq, ulong contentKey, RowKind kind, byte[] blob)
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw _failure;
            }

            var position = (long)_rows.Count;
            _rows.Add(new LogRow(position, origin, seq, contentKey, kind, blob));
            if (!_byFeed.TryGetValue(origin, out var feed))
            {
                _byFeed[origin] = feed = [];
            }

            feed[seq] = position;
            if (IsLookedUp(contentKey))
            {
                _contentKeys[contentKey] = _contentKeys.GetValueOrDefault(contentKey) + 1;
            }

            return position;
        }
    }

    public ValueTask WaitDurableAsync(long position, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return position < _rows.Count || _failure is null ? ValueTask.CompletedTask : ValueTask.FromException(_failure);
        }
    }

    public void Retire(long position)
    {
        lock (_gate)
        {
            var row = _rows[(int)position];
            if (row.Kind == RowKind.Retired)
            {
                return;
            }

            _rows[(int)position] = row with { Kind = RowKind.Retired };
            if (_byFeed.TryGetValue(row.Origin, out var feed) && feed.TryGetValue(row.Seq, out var held) && held == position)
            {
                feed.Remove(row.Seq);
            }

            if (IsLookedUp(row.ContentKey) && _contentKeys.TryGetValue(row.ContentKey, out var count))
            {
                if (count <= 1)
                {
                    _contentKeys.Remove(row.ContentKey);
                }
                else
                {
                    _contentKeys[row.ContentKey] = count - 1;
                }
            }
        }
    }

    public int Read(long position, Span<LogRow> rows)
    {
        lock (_gate)
        {
            var count = (int)Math.Clamp(_rows.Count - position, 0, rows.Length);
            for (var i = 0; i < count; i++)
            {
                rows[i] = _rows[(int)position + i];
            }

            return count;
        }
    }

    public int ReadFeed(NodeId origin, long fromSeq, long toSeq, Span<LogRow> rows)
    {
        lock (_gate)
        {
            if (!_byFeed.TryGetValue(origin, out var feed))
            {
                return 0;
            }

            var count = 0;
            var seqs = feed.Keys;
            var index = LowerBound(seqs, fromSeq);
            for (; index < seqs.Count && seqs[index] <= toSeq && count < rows.Length; index++)
            {
                rows[count++] = _rows[(int)feed.Values[index]];
            }

            return count;
        }
    }

    public bool TryGet(NodeId origin, long seq, out LogRow row)
    {
        lock (_gate)
        {
            if (_byFeed.TryGetValue(origin, out var feed) && feed.TryGetValue(seq, out var position))
            {
                row = _rows[(int)position];
                return true;
            }

            row = default;
            return false;
        }
    }

    public bool ContainsContent(ulong contentKey)
    {
        lock (_gate) { return _contentKeys.ContainsKey(contentKey); }
    }

    public IEnumerable<(long Position, NodeId Origin, long Seq, ulong ContentKey, RowKind Kind)> Scan()
    {
        List<LogRow> rows;
        lock (_gate) { rows = [.. _rows]; }
        foreach (var row in rows)
        {
            if (row.Kind != RowKind.Retired)
            {
                yield return (row.Position, row.Origin, row.Seq, row.ContentKey, row.Kind);
            }
        }
    }

    public void PutOriginKey(NodeId origin, byte[] publicKey)
    {
        lock (_gate) { _originKeys[origin] = publicKey; }
    }

    public bool TryGetOriginKey(NodeId origin, out byte[] publicKey)
    {
        lock (_gate) { return _originKeys.TryGetValue(origin, out publicKey!); }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Only adopted records' content keys (top bit set) are ever looked up, so only those are indexed.</summary>
    private static bool IsLookedUp(ulong contentKey) => (contentKey & (1UL << 63)) != 0;

    /// <summary>The same rows as a log opened again after a restart (a failed disk replaced: writes work again).</summary>
    public MemoryRecordLog Reopened()
    {
        var reopened = new MemoryRecordLog();
        lock (_gate)
        {
            reopened._rows.AddRange(_rows);
            foreach (var (origin, feed) in _byFeed)
            {
                reopened._byFeed[origin] = new SortedList<long, long>(feed);
            }

            foreach (var (key, count) in _contentKeys)
            {
                reopened._contentKeys[key] = count;
            }

            foreach (var (origin, publicKey) in _originKeys)
            {
                reopened._originKeys[origin] = publicKey;
            }
        }

        return reopened;
    }

    private static int LowerBound(IList<long> sorted, long value)
    {
        int low = 0, high = sorted.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (sorted[middle] < value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
