namespace AspireP2P.Node.Faults;

/// <summary>Latency and loss added to what this node sends on every link.</summary>
public sealed record LinkFaultSettings(int LatencyMs, int JitterMs, double LossPercent)
{
    public static LinkFaultSettings None { get; } = new(0, 0, 0);

    public bool Any => LatencyMs > 0 || JitterMs > 0 || LossPercent > 0;
}

/// <summary>
/// Faults injected into this node's network, for watching the network cope (development only: the dashboard's fault
/// commands, behind <c>--dev-faults</c>). A partition makes the node go dark: nothing leaves, nothing that arrives is
/// read, no link opens either way, and no link is closed either, so neighbours notice only through missed heartbeats.
/// Link faults delay what the node sends; "loss" is what loss is on TCP, a retransmission: the message arrives late.
/// </summary>
public sealed class NetworkFaults(TimeProvider time)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _partitionedUntil;
    private LinkFaultSettings _links = LinkFaultSettings.None;

    /// <summary>Raised after every change (the mesh closes nothing, but re-evaluates what it may dial).</summary>
    public event Action? Changed;

    public DateTimeOffset? PartitionedUntil
    {
        get
        {
            lock (_gate) { return _partitionedUntil > time.GetUtcNow() ? _partitionedUntil : null; }
        }
    }

    public bool IsPartitioned => PartitionedUntil is not null;

    public LinkFaultSettings Links
    {
        get { lock (_gate) { return _links; } }
    }

    public DateTimeOffset Partition(TimeSpan duration)
    {
        DateTimeOffset until;
        lock (_gate) { _partitionedUntil = until = time.GetUtcNow() + duration; }
        Changed?.Invoke();
        return until;
    }

    public void SetLinkFaults(LinkFaultSettings settings)
    {
        lock (_gate) { _links = settings; }
        Changed?.Invoke();
    }

    public void Heal()
    {
        lock (_gate)
        {
            _partitionedUntil = null;
            _links = LinkFaultSettings.None;
        }

        Changed?.Invoke();
    }
}
