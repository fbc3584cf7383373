using System.Diagnostics;

namespace AspireP2P.Node.Telemetry;

/// <summary>
/// The spans of a record's journey, one per node, after the OpenTelemetry messaging conventions: <c>publish records</c>
/// (PRODUCER) where it is created, and <c>receive records</c> (CONSUMER) on every node it reaches, the child of the
/// span of the node it came from through the message's traceparent. Each span also says what the node did with the
/// record next (<c>p2p.fanout</c>: the links it relayed it on; <c>p2p.duplicate</c>), which a separate send span per
/// node used to carry: a trace of a record that crossed N nodes is N spans and the request that posted it.
/// Whether a record is traced is decided once, where it is published, and travels in the traceparent's flags: every
/// node honours it, so a trace is whole or absent.
/// </summary>
public static class RecordTracing
{
    public static Activity? StartPublish(string key)
    {
        var activity = NodeTelemetry.Source.StartActivity($"publish {NodeTelemetry.RecordsDestination}", ActivityKind.Producer);
        return Tag(activity, "create", key);
    }

    /// <summary>The published record's key and the links it was relayed on, once it is stored.</summary>
    public static void Published(Activity? publish, string key, int fanout)
    {
        publish?.SetTag("messaging.message.id", key);
        publish?.SetTag("p2p.fanout", fanout);
    }

    public static Activity? StartReceive(ActivityContext parent, string key, string peer, int hops, string origin, DateTimeOffset receivedAt)
    {
        var activity = NodeTelemetry.Source.StartActivity(
            ActivityKind.Consumer, parent, name: $"receive {NodeTelemetry.RecordsDestination}", startTime: receivedAt);
        if (Tag(activity, "receive", key) is { } receive)
        {
            receive.SetTag("network.peer.address", peer);
            receive.SetTag("p2p.hops", hops);
            receive.SetTag("p2p.origin", origin);
        }

        return activity;
    }

    /// <summary>The received record is relayed on <paramref name="fanout"/> links (every link but the one it came on).</summary>
    public static void Relayed(Activity? receive, int fanout) => receive?.SetTag("p2p.fanout", Math.Max(0, fanout));

    /// <summary>The record was already held: neither stored again nor relayed.</summary>
    public static void Duplicate(Activity? receive)
    {
        receive?.SetTag("p2p.duplicate", true);
        receive?.SetTag("p2p.fanout", 0);
    }

    /// <summary>
    /// The traceparent the next hop gets: our receive span's, else the one we were given. An unsampled record keeps its
    /// unsampled traceparent, so downstream nodes do not start a trace of their own for it.
    /// </summary>
    public static string? Next(Activity? receive, string? incoming) => receive?.Id ?? incoming;

    public static ActivityTraceId? TraceIdOf(string? traceparent) =>
        traceparent is not null && ActivityContext.TryParse(traceparent, null, out var context) ? context.TraceId : null;

    private static Activity? Tag(Activity? activity, string operation, string key)
    {
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("messaging.system", NodeTelemetry.MessagingSystem);
        activity.SetTag("messaging.operation.type", operation);
        activity.SetTag("messaging.destination.name", NodeTelemetry.RecordsDestination);
        activity.SetTag("messaging.message.id", key);
        return activity;
    }
}
