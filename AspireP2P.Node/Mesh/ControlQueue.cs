namespace AspireP2P.Node.Mesh;

/// <summary>
/// A link's control messages (heartbeats, vectors requested by the mesh) waiting for its writer: bounded, and when full
/// the oldest is dropped (and counted), because a newer heartbeat says everything an older one did.
/// </summary>
internal sealed class ControlQueue(int capacity, Action onDropped)
{
    private readonly Lock _gate = new();
    private readonly Queue<byte[]> _frames = new();

    public int Count
    {
        get { lock (_gate) { return _frames.Count; } }
    }

    public void Enqueue(byte[] frame)
    {
        var dropped = false;
        lock (_gate)
        {
            if (_frames.Count >= capacity)
            {
                _frames.Dequeue();
                dropped = true;
            }

            _frames.Enqueue(frame);
        }

        if (dropped)
        {
            onDropped();
        }
    }

    public bool TryDequeue(out byte[] frame)
    {
        lock (_gate)
        {
            return _frames.TryDequeue(out frame!);
        }
    }
}
