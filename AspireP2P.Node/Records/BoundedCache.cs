namespace AspireP2P.Node.Records;

/// <summary>
/// A map that keeps at most <c>capacity</c> entries, forgetting the oldest first: for what can be found again (on disk,
/// or by recomputing) but is worth keeping close while it is in use, such as origins' public keys. A node may hold any
/// number of feeds; its memory must not grow with them. Thread-safe.
/// </summary>
public sealed class BoundedCache<TKey, TValue>(int capacity) where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, TValue> _items = [];
    private readonly Queue<TKey> _order = new();

    public int Count
    {
        get { lock (_gate) { return _items.Count; } }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_gate) { return _items.TryGetValue(key, out value!); }
    }

    public void Set(TKey key, TValue value)
    {
        lock (_gate)
        {
            if (_items.TryAdd(key, value))
            {
                _order.Enqueue(key);
                while (_items.Count > capacity && _order.TryDequeue(out var oldest))
                {
                    _items.Remove(oldest);
                }
            }
            else
            {
                _items[key] = value;
            }
        }
    }
}
