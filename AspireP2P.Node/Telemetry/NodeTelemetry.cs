using System.Diagnostics;
using System.Diagnostics.Metrics;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Telemetry;

/// <summary>
/// The node's trace source, meter and running totals. Spans follow the OpenTelemetry messaging conventions:
/// PRODUCER for publish and send, CONSUMER for receive, with <c>messaging.*</c> attributes.
/// The totals back <c>GET /api/node</c>, the tests and the simulator; the instruments back the Aspire dashboard.
/// </summary>
public sealed class NodeTelemetry : IDisposable
{
    public const string MessagingSystem = "aspirep2p";
    public const string RecordsDestination = "records";
    public const string HandshakeDestination = "links";

    private readonly Meter _meter;
    private readonly Counter<long> _messagesReceived;
    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _links;
    private readonly Histogram<double> _propagation;
    private readonly Counter<long> _vectors;
    private readonly Counter<long> _catchUp;
    private readonly Counter<long> _conflicts;
    private readonly Counter<long> _peerTimeouts;
    private readonly Counter<long> _taskFailures;
    private readonly BoundedTagValues _linkReasons = new();

    private long _published;
    private long _received;
    private long _stored;
    private long _sent;
    private long _duplicateCount;
    private long _rejectedCount;
    private long _droppedCount;
    private long _conflictCount;
    private long _catchUpCount;
    private long _framesSent;
    private long _taskFailureCount;

    /// <param name="meterFactory">Null outside a host (the simulator): the node then owns its meter.</param>
    public NodeTelemetry(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(Microsoft.Extensions.Hosting.P2PTelemetryNames.Meter) ?? new Meter(Microsoft.Extensions.Hosting.P2PTelemetryNames.Meter);
        _messagesReceived = _meter.CreateCounter<long>("p2p.messages.received", "{message}", "Protocol messages received from peers, by type.");
        _messagesSent = _meter.CreateCounter<long>("p2p.messages.sent", "{message}", "Protocol messages written to peers, by type.");
        _duplicates = _meter.CreateCounter<long>("p2p.records.duplicates", "{record}", "Records received again and suppressed (not verified, not stored, not relayed).");
        _rejected = _meter.CreateCounter<long>("p2p.messages.rejected", "{message}", "Inputs refused, by reason (bad_signature, wrong_origin, unsigned, malformed_json, oversize, …).");
        _dropped = _meter.CreateCounter<long>("p2p.queue.dropped", "{message}", "Control messages dropped because a peer's control queue was full.");
        _links = _meter.CreateCounter<long>("p2p.links", "{link}", "Links opened, refused and closed, by event and reason.");
        _vectors = _meter.CreateCounter<long>("p2p.sync.vectors", "{message}", "Feed vectors exchanged for anti-entropy.");
        _catchUp = _meter.CreateCounter<long>("p2p.sync.records", "{record}", "Records sent because a peer's vector showed it lacked them (catch-up, repair).");
        _conflicts = _meter.CreateCounter<long>("p2p.records.conflicts", "{record}", "Two signed entries from one origin for one seq, settled by the deterministic rule.");
        _peerTimeouts = _meter.CreateCounter<long>("p2p.peers.timeouts", "{peer}", "Peers taken for dead after missing heartbeats.");
        _taskFailures = _meter.CreateCounter<long>("p2p.task.failures", "{failure}",
            "Unexpected exceptions in the node's supervised tasks, by task (logged at Error with their stack; see the Failure table in docs/architecture.md).");
        _propagation = _meter.CreateHistogram<double>("p2p.record.propagation.duration", "ms", "Time from a record's creation at its origin to its arrival here.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000] });
    }

    public static ActivitySource Source { get; } = new(Microsoft.Extensions.Hosting.P2PTelemetryNames.ActivitySource);

    public Meter Meter => _meter;

    public NodeTotals Totals => new(
        Interlocked.Read(ref _published), Interlocked.Read(ref _received), Interlocked.Read(ref _stored), Interlocked.Read(ref _sent),
        Interlocked.Read(ref _duplicateCount), Interlocked.Read(ref _rejectedCount), Interlocked.Read(ref _droppedCount),
        Interlocked.Read(ref _conflictCount), Interlocked.Read(ref _catchUpCount));

    /// <summary>Every message frame written to any link (the simulator's "messages per delivery").</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    public void RecordPublished() => Interlocked.Increment(ref _published);

    public void RecordStored() => Interlocked.Increment(ref _stored);

    public void MessageReceived(string type)
    {
        _messagesReceived.Add(1, new KeyValuePair<string, object?>("p2p.message.type", type));
        if (type == WireProtocol.NewRecord)
        {
            Interlocked.Increment(ref _received);
        }
    }

    public void MessageSent(string type)
    {
        Interlocked.Increment(ref _framesSent);
        if (type == WireProtocol.NewRecord)
        {
            Interlocked.Increment(ref _sent);
        }

        _messagesSent.Add(1, new KeyValuePair<string, object?>("p2p.message.type", type));
    }

    public void DuplicateSuppressed()
    {
        Interlocked.Increment(ref _duplicateCount);
        _duplicates.Add(1);
    }

    public void Rejected(RejectReason reason)
    {
        Interlocked.Increment(ref _rejectedCount);
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason.Tag()));
    }

    public void ControlDropped()
    {
        Interlocked.Increment(ref _droppedCount);
        _dropped.Add(1);
    }

    /// <summary>A link event; the reason is free text, so its tag is bounded (<see cref="BoundedTagValues"/>).</summary>
    public void Link(string what, string? reason = null) =>
        _links.Add(1, new KeyValuePair<string, object?>("event", what), new KeyValuePair<string, object?>("reason", _linkReasons.Of(reason)));

    public void PropagationLatency(double milliseconds) => _propagation.Record(milliseconds);

    public void VectorSent() => _vectors.Add(1);

    public void TaskFailed(string task)
    {
        Interlocked.Increment(ref _taskFailureCount);
        _taskFailures.Add(1, new KeyValuePair<string, object?>("task", task));
    }

    /// <summary>Unexpected exceptions in supervised tasks since the node started.</summary>
    public long TaskFailures => Interlocked.Read(ref _taskFailureCount);

    public void CatchUpSent(int records)
    {
        Interlocked.Add(ref _catchUpCount, records);
        _catchUp.Add(records);
    }

    public void ConflictResolved()
    {
        Interlocked.Increment(ref _conflictCount);
        _conflicts.Add(1);
    }

    public void PeerTimedOut() => _peerTimeouts.Add(1);

    public void Dispose() => _meter.Dispose();
}

/// <summary>Running totals since the node started.</summary>
public readonly record struct NodeTotals(
    long Published, long Received, long Stored, long Sent, long Duplicates, long Rejected, long Dropped, long Conflicts, long CatchUp);
