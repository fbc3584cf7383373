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
/// What a link carried meanwhile is held, not dropped, as TCP holds it: if the link outlives the partition (shorter than
/// the heartbeat timeout) it all arrives afterwards, in order; otherwise it ends with the link. Link faults delay what
/// the node sends; "loss" is what loss is on TCP, a retransmission: the message arrives late.
/// </summary>
public sealed class NetworkFaults(TimeProvider time)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _partitionedUntil;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
        OnChanged();
        return until;
    }

    public void SetLinkFaults(LinkFaultSettings settings)
    {
        lock (_gate) { _links = settings; }
        OnChanged();
    }

    public void Heal()
    {
        lock (_gate)
        {
            _partitionedUntil = null;
            _links = LinkFaultSettings.None;
        }

        OnChanged();
    }

    /// <summary>Completes at once when the node is not partitioned, else when the partition ends (healed or expired).</summary>
    public async Task WaitWhilePartitionedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            DateTimeOffset until;
            lock (_gate)
            {
                if (!(_partitionedUntil > time.GetUtcNow()))
                {
                    return;
                }

                until = _partitionedUntil.Value;
                changed = _changed.Task;
            }

            // The timer goes with the wait, so a heal leaves none behind for the rest of an hour's partition.
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var expired = Task.Delay(until - time.GetUtcNow(), time, timer.Token);
            await Task.WhenAny(changed, expired).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private void OnChanged()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        Changed?.Invoke();
    }
}
