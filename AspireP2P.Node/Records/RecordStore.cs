using System.Buffers;

namespace AspireP2P.Node.Records;

public enum AddOutcome
{
    /// <summary>New key: stored at the end of the log.</summary>
    Added,

    /// <summary>Same key, same value: already held.</summary>
    Duplicate,

    /// <summary>Same key, a different value that wins the conflict rule: the old entry is retired and the winner appended.</summary>
    Replaced,

    /// <summary>Same key, a different value that loses the conflict rule: ignored.</summary>
    ConflictLost,
}

/// <summary>The set a node holds, in a form two nodes can compare: equal digests mean equal record sets.</summary>
public readonly record struct RecordDigest(int Count, ulong Hash)
{
    public override string ToString() => $"{Count}:{Hash:x16}";

    public static bool TryParse(string? text, out RecordDigest digest)
    {
        digest = default;
        var colon = text?.IndexOf(':') ?? -1;
        if (colon <= 0 || !int.TryParse(text.AsSpan(0, colon), out var count)
            || !ulong.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.HexNumber, null, out var hash))
        {
            return false;
        }

        digest = new RecordDigest(count, hash);
        return true;
    }
}

/// <summary>
/// The node's records as an append-only log with a key index. Sole owner of both; thread-safe.
/// <list type="bullet">
/// <item>O(1) insert and key lookup; the key index is also the gossip de-duplication (a record is relayed only when first stored).</item>
/// <item>Log positions never move, so each peer link replicates by keeping a cursor into the log: nothing queues per peer and nothing is dropped.</item>
/// <item>A conflicting value for a held key is settled by <see cref="StoredRecord.Supersedes"/>; the winner is appended so every cursor ships it.</item>
/// <item>The digest (count and XOR of content hashes) is maintained incrementally for anti-entropy.</item>
/// </list>
/// </summary>
public sealed class RecordStore
{
    private readonly Lock _gate = new();
    private readonly List<StoredRecord?> _log = [];
    private readonly Dictionary<string, int> _positionByKey = new(StringComparer.Ordinal);
    private int _liveCount;
    private int _retiredCount;
    private ulong _digestHash;
    private long _valueBytes;

    /// <summary>Raised after a record is appended (added or replacing), outside the lock, with its log position.</summary>
    public event Action<StoredRecord, int>? Added;

    /// <summary>Records held (replaced entries not counted).</summary>
    public int Count
    {
        get { lock (_gate) { return _liveCount; } }
    }

    /// <summary>Log length: the position the next record will take. Cursors run from 0 to here.</summary>
    public int Length
    {
        get { lock (_gate) { return _log.Count; } }
    }

    /// <summary>Log entries retired by a replacing record so far (they read as null).</summary>
    public int RetiredCount
    {
        get { lock (_gate) { return _retiredCount; } }
    }

    /// <summary>Mean size of a stored value's JSON, in bytes (sizes response buffers).</summary>
    public int AverageValueBytes
    {
        get { lock (_gate) { return _log.Count == 0 ? 16 : (int)Math.Min(int.MaxValue, _valueBytes / _log.Count); } }
    }

    public RecordDigest Digest
    {
        get { lock (_gate) { return new RecordDigest(_liveCount, _digestHash); } }
    }

    public bool Contains(string key)
    {
        lock (_gate) { return _positionByKey.ContainsKey(key); }
    }

    public StoredRecord? Get(string key)
    {
        lock (_gate) { return _positionByKey.TryGetValue(key, out var position) ? _log[position] : null; }
    }

    /// <summary>Stores the record unless its key is already held with the same value; settles conflicts deterministically.</summary>
    public AddOutcome TryAdd(StoredRecord record) => TryAdd(record, out _);


    /// <param name="frame">Encodes the record's NEW_RECORD for its log position, under the lock, so no link reads the record before its frame.</param>
    public AddOutcome TryAdd(StoredRecord record, out int position, Func<StoredRecord, int, byte[]>? frame = null)
    {
        AddOutcome outcome;
        lock (_gate)
        {
            position = _log.Count;
            if (_positionByKey.TryGetValue(record.Key, out var existingPosition))
            {
                var existing = _log[existingPosition]!;
                if (existing.ContentHash == record.ContentHash && existing.ValueJson.AsSpan().SequenceEqual(record.ValueJson))
                {
                    return AddOutcome.Duplicate;
                }

                if (!StoredRecord.Supersedes(record, existing))
                {
                    return AddOutcome.ConflictLost;
                }

                _log[existingPosition] = null;
                _digestHash ^= existing.ContentHash;
                _liveCount--;
                _retiredCount++;
                outcome = AddOutcome.Replaced;
            }
            else
            {
                outcome = AddOutcome.Added;
            }

            if (frame is not null)
            {
                record.Frame = frame(record, position);
            }

            _positionByKey[record.Key] = position;
            _log.Add(record);
            _valueBytes += record.ValueJson.Length;
            _liveCount++;
            _digestHash ^= record.ContentHash;
        }

        Added?.Invoke(record, position);
        return outcome;
    }

    /// <summary>Copies log entries from <paramref name="start"/> (null = replaced entry); returns how many were copied.</summary>
    public int CopyLog(int start, Span<StoredRecord?> buffer)
    {
        lock (_gate)
        {
            if (start >= _log.Count)
            {
                return 0;
            }

            var count = Math.Min(buffer.Length, _log.Count - start);
            for (var i = 0; i < count; i++)
            {
                buffer[i] = _log[start + i];
            }

            return count;
        }
    }

    /// <summary>
    /// Enumerates held records in log order, skipping the first <paramref name="skip"/> of them, in chunks,
    /// never holding the lock while the caller works.
    /// </summary>
    public IEnumerable<StoredRecord> Read(int skip = 0, int limit = int.MaxValue)
    {
        var chunk = ArrayPool<StoredRecord?>.Shared.Rent(512);
        try
        {
            int position, toSkip;
            lock (_gate)
            {
                // Without retired entries log positions are value indexes, so paging jumps straight there.
                (position, toSkip) = _retiredCount == 0 ? (skip, 0) : (0, skip);
            }

            var remaining = limit;
            while (remaining > 0)
            {
                var copied = CopyLog(position, chunk.AsSpan(0, 512));
                if (copied == 0)
                {
                    yield break;
                }

                position += copied;
                for (var i = 0; i < copied && remaining > 0; i++)
                {
                    if (chunk[i] is not { } record)
                    {
                        continue;
                    }

                    if (toSkip > 0)
                    {
                        toSkip--;
                        continue;
                    }

                    remaining--;
                    yield return record;
                }
            }
        }
        finally
        {
            Array.Clear(chunk);
            ArrayPool<StoredRecord?>.Shared.Return(chunk);
        }
    }
}
