using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// Counts every refused input (the <c>p2p.messages.rejected</c> counter, by reason) and logs it briefly: the first of each
/// reason on a link, then at powers of two, so a flood stays visible without flooding the log.
/// </summary>
internal sealed class RejectionLog(ILogger logger, NodeTelemetry telemetry)
{
    private readonly Dictionary<RejectReason, long> _byReason = [];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Add(string remote, RejectReason reason, string detail)
    {
        Interlocked.Increment(ref _count);
        telemetry.Rejected(reason);
        long seen;
        lock (_byReason)
        {
            seen = _byReason[reason] = _byReason.GetValueOrDefault(reason) + 1;
        }

        if ((seen & (seen - 1)) == 0)
        {
            Log.MessageRejected(logger, remote, reason.Tag(), seen, MessageCodec.Truncate(detail, 200));
        }
    }
}

/// <summary>Why a record was refused, for the link's rejection log.</summary>
public readonly record struct Rejection(RejectReason Reason, string Detail);
