using System.Diagnostics;
using System.Diagnostics.Metrics;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Telemetry;

/// <summary>
/// The node's trace source, meter and running totals. Spans follow the OpenTelemetry messaging conventions:
/// PRODUCER for publish and send, CONSUMER for receive, with <c>messaging.*</c> attributes.
/// The totals back <c>GET /api/node</c> and the tests; the instruments back the Aspire dashboard.
/// </summary>
public sealed class NodeTelemetry : IDisposable
{
    public const string MessagingSystem = "aspirep2p";
    public const string RecordsDestination = "records";
    public const string HandshakeDestination = "handshake";

    private readonly Meter _meter;
    private readonly Counter<long> _messagesReceived;
    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _queueDropped;
    private readonly Counter<long> _handshakes;
    private readonly Histogram<double> _propagation;
    private readonly Counter<long> _rewinds;
    private readonly Counter<long> _conflicts;
    private readonly Counter<long> _peerTimeouts;

    private long _received;
    private long _relayed;
    private long _sent;
    private long _duplicateCount;
    private long _rejectedCount;
    private long _droppedCount;
    private long _published;
    private long _conflictCount;

    public NodeTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Microsoft.Extensions.Hosting.P2PTelemetryNames.Meter);
        _messagesReceived = _meter.CreateCounter<long>("p2p.messages.received", "{message}", "Protocol messages received from peers, by type.");
        _messagesSent = _meter.CreateCounter<long>("p2p.messages.sent", "{message}", "Protocol messages written to peers.");
        _duplicates = _meter.CreateCounter<long>("p2p.records.duplicates", "{record}", "Records received again and suppressed (not stored, not relayed).");
        _rejected = _meter.CreateCounter<long>("p2p.messages.rejected", "{message}", "Inputs refused, by reason (malformed, oversize, unknown type, …).");
        _queueDropped = _meter.CreateCounter<long>("p2p.queue.dropped", "{message}", "Messages dropped because a peer's outbound queue was full.");
        _handshakes = _meter.CreateCounter<long>("p2p.handshakes", "{handshake}", "Handshakes sent and received.");
        _rewinds = _meter.CreateCounter<long>("p2p.sync.rewinds", "{rewind}", "Times a link re-sent its whole log because digests disagreed at rest.");
        _conflicts = _meter.CreateCounter<long>("p2p.records.conflicts", "{record}", "Different values for one key, settled by the deterministic conflict rule.");
        _peerTimeouts = _meter.CreateCounter<long>("p2p.peers.timeouts", "{peer}", "Peers taken for dead after missing heartbeats.");
        _propagation = _meter.CreateHistogram<double>("p2p.record.propagation.duration", "ms", "Time from a record's creation at its origin to its arrival here.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000] });
    }

    public static ActivitySource Source { get; } = new(Microsoft.Extensions.Hosting.P2PTelemetryNames.ActivitySource);

    public Meter Meter => _meter;

    public NodeTotals Totals => new(
        Interlocked.Read(ref _published), Interlocked.Read(ref _received), Interlocked.Read(ref _relayed),
        Interlocked.Read(ref _sent), Interlocked.Read(ref _duplicateCount), Interlocked.Read(ref _rejectedCount), Interlocked.Read(ref _droppedCount),
        Interlocked.Read(ref _conflictCount));

    public void RecordPublished() => Interlocked.Increment(ref _published);

    public void MessageReceived(string type)
    {
        _messagesReceived.Add(1, new KeyValuePair<string, object?>("p2p.message.type", type));
        if (type == WireProtocol.NewRecord)
        {
            Interlocked.Increment(ref _received);
        }
    }

    public void RecordRelayed() => Interlocked.Increment(ref _relayed);

    public void MessageSent()
    {
        Interlocked.Increment(ref _sent);
        _messagesSent.Add(1);
    }

    public void DuplicateSuppressed()
    {
        Interlocked.Increment(ref _duplicateCount);
        _duplicates.Add(1);
    }

    public void Rejected(RejectReason reason)
    {
        Interlocked.Increment(ref _rejectedCount);
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    public void QueueDropped(string peer)
    {
        Interlocked.Increment(ref _droppedCount);
        _queueDropped.Add(1, new KeyValuePair<string, object?>("network.peer.address", peer));
    }

    public void Handshake(string direction) => _handshakes.Add(1, new KeyValuePair<string, object?>("direction", direction));

    public void PropagationLatency(double milliseconds) => _propagation.Record(milliseconds);

    public void AntiEntropyRewind() => _rewinds.Add(1);

    public void ConflictResolved()
    {
        Interlocked.Increment(ref _conflictCount);
        _conflicts.Add(1);
    }

    public void PeerTimedOut() => _peerTimeouts.Add(1);

    public void Dispose() => _meter.Dispose();
}

/// <summary>Running totals since the node started.</summary>
public readonly record struct NodeTotals(long Published, long Received, long Relayed, long Sent, long Duplicates, long Rejected, long Dropped, long Conflicts);
