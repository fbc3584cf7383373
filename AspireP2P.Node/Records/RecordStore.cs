using System.Buffers;

namespace AspireP2P.Node.Records;

/// <summary>
/// The node's records, in insertion order, with O(1) insert and O(1) key lookup. The key index is also the
/// gossip de-duplication: a record is relayed only when <see cref="TryAdd"/> stores it for the first time,
/// so "seen" costs nothing beyond the record itself. Sole owner of the record list; thread-safe.
/// </summary>
public sealed class RecordStore
{
    private readonly Lock _gate = new();
    private readonly List<StoredRecord> _records = [];
    private readonly Dictionary<string, int> _positionByKey = new(StringComparer.Ordinal);

    /// <summary>Raised after a record is stored, outside the lock, with its position.</summary>
    public event Action<StoredRecord, int>? Added;

    public int Count
    {
        get { lock (_gate) { return _records.Count; } }
    }

    public bool Contains(string key)
    {
        lock (_gate) { return _positionByKey.ContainsKey(key); }
    }

    /// <summary>Stores the record unless its key is already held. Returns false for a duplicate.</summary>
    public bool TryAdd(StoredRecord record)
    {
        int position;
        lock (_gate)
        {
            position = _records.Count;
            if (!_positionByKey.TryAdd(record.Key, position))
            {
                return false;
            }

            _records.Add(record);
        }

        Added?.Invoke(record, position);
        return true;
    }

    public StoredRecord? Get(string key)
    {
        lock (_gate) { return _positionByKey.TryGetValue(key, out var position) ? _records[position] : null; }
    }

    /// <summary>Copies up to <paramref name="buffer"/>.Length records starting at <paramref name="start"/>; returns how many.</summary>
    public int CopyTo(int start, Span<StoredRecord> buffer)
    {
        lock (_gate)
        {
            if (start >= _records.Count)
            {
                return 0;
            }

            var count = Math.Min(buffer.Length, _records.Count - start);
            for (var i = 0; i < count; i++)
            {
                buffer[i] = _records[start + i];
            }

            return count;
        }
    }

    /// <summary>Enumerates records from <paramref name="start"/> in chunks, never holding the lock while the caller works.</summary>
    public IEnumerable<StoredRecord> Read(int start = 0, int limit = int.MaxValue)
    {
        var chunk = ArrayPool<StoredRecord>.Shared.Rent(512);
        try
        {
            var position = start;
            var remaining = limit;
            while (remaining > 0)
            {
                var copied = CopyTo(position, chunk.AsSpan(0, Math.Min(chunk.Length, remaining)));
                if (copied == 0)
                {
                    yield break;
                }

                for (var i = 0; i < copied; i++)
                {
                    yield return chunk[i];
                }

                position += copied;
                remaining -= copied;
            }
        }
        finally
        {
            Array.Clear(chunk);
            ArrayPool<StoredRecord>.Shared.Return(chunk);
        }
    }
}
