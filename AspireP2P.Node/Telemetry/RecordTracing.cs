using System.Diagnostics;

namespace AspireP2P.Node.Telemetry;

/// <summary>
/// The spans of a record's journey, after the OpenTelemetry messaging conventions: <c>publish</c> (PRODUCER) where it is
/// created, then on each node that relays it <c>send</c> (PRODUCER, one per broadcast), and on each node that receives it
/// <c>receive</c> (CONSUMER, child of the sender's <c>send</c> through the message's traceparent). Whether a record is
/// traced is decided once, where it is published, and travels in the traceparent's flags: every node honours it, so a
/// trace is whole or absent.
/// </summary>
public static class RecordTracing
{
    public static Activity? StartPublish(string key)
    {
        var activity = NodeTelemetry.Source.StartActivity($"publish {NodeTelemetry.RecordsDestination}", ActivityKind.Producer);
        return Tag(activity, "create", key);
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

    public static Activity? StartSend(ActivityContext parent, string key, int fanout)
    {
        var activity = NodeTelemetry.Source.StartActivity(ActivityKind.Producer, parent, name: $"send {NodeTelemetry.RecordsDestination}");
        if (Tag(activity, "send", key) is { } send)
        {
            send.SetTag("p2p.fanout", fanout);
        }

        return activity;
    }

    /// <summary>
    /// The traceparent the next hop gets: our send span's, else our receive span's, else the one we were given. An
    /// unsampled record keeps its unsampled traceparent, so downstream nodes do not start a trace of their own for it.
    /// </summary>
    public static string? Next(Activity? send, Activity? receive, string? incoming) => send?.Id ?? receive?.Id ?? incoming;

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
