namespace AspireP2P.Node.Records;

/// <summary>
/// The body of a plain GET /records (every value, in log order), kept as one contiguous UTF-8 buffer that grows
/// with the log: a GET copies only what was added since the previous one, then writes the buffer as it is,
/// instead of visiting every stored record (100,000 scattered objects) each time. Bytes already written are never
/// changed, so a reader may send them while the next GET appends; if a record was replaced (a conflict retires its
/// old entry), the buffer is rebuilt. It costs about the size of the values themselves, and only once a node has
/// served GET /records.
/// </summary>
public sealed class RecordListCache(RecordStore store)
{
    private readonly Lock _gate = new();
    private byte[] _buffer = [];
    private int _length;
    private int _position;
    private int _retired = -1;

    /// <summary>The values as a JSON array without its closing bracket: <c>[v1,v2,…</c> (or <c>[</c> when empty).</summary>
    public ReadOnlyMemory<byte> OpenArray()
    {
        lock (_gate)
        {
            var retired = store.RetiredCount;
            if (retired != _retired)
            {
                // First use, or an entry was retired: start again in a new buffer (readers keep the old one).
                _buffer = new byte[Math.Max(1024, (int)Math.Min(Array.MaxLength, (long)store.Length * (store.AverageValueBytes + 1) * 5 / 4 + 1))];
                _buffer[0] = (byte)'[';
                _length = 1;
                _position = 0;
                _retired = retired;
            }

            Span<StoredRecord?> chunk = new StoredRecord?[256];
            int copied;
            while ((copied = store.CopyLog(_position, chunk)) > 0)
            {
                foreach (var record in chunk[..copied])
                {
                    if (record is not null)
                    {
                        Append(record.ValueJson);
                    }
                }

                _position += copied;
            }

            return _buffer.AsMemory(0, _length);
        }
    }

    private void Append(byte[] value)
    {
        var needed = _length + value.Length + 1;
        if (needed > _buffer.Length)
        {
            // A new, larger buffer: the old one stays intact for any reader still sending it.
            var larger = new byte[(int)Math.Min(Array.MaxLength, Math.Max((long)needed, (long)_buffer.Length * 2))];
            _buffer.AsSpan(0, _length).CopyTo(larger);
            _buffer = larger;
        }

        if (_length > 1)
        {
            _buffer[_length++] = (byte)',';
        }

        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }
}
