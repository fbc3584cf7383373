using AspireP2P.Node.Peers;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Telemetry;

/// <summary>Source-generated log messages with stable event ids, for everything that happens per message or per link.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Node {NodeId} listening; peers dial it at {Address}")]
    public static partial void NodeStarted(ILogger logger, string nodeId, string address);

    [LoggerMessage(10, LogLevel.Information, "Connected to peer {Address} (node {PeerNodeId}, {Origin})")]
    public static partial void PeerConnected(ILogger logger, string address, string? peerNodeId, PeerOrigin origin);

    [LoggerMessage(11, LogLevel.Information, "Link to peer {Address} closed: {Reason}")]
    public static partial void PeerDisconnected(ILogger logger, string address, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Could not connect to peer {Address} (attempt {Attempt}, next try in {DelayMs} ms): {Error}")]
    public static partial void PeerConnectFailed(ILogger logger, string address, int attempt, long delayMs, string error);

    [LoggerMessage(13, LogLevel.Debug, "Not connecting to {Address}: {Reason}")]
    public static partial void PeerSkipped(ILogger logger, string address, string reason);

    [LoggerMessage(14, LogLevel.Information, "Peer {Remote} connected to us (node {PeerNodeId})")]
    public static partial void InboundOpened(ILogger logger, string remote, string? peerNodeId);

    [LoggerMessage(15, LogLevel.Information, "Peer {Remote} closed its connection to us: {Reason}")]
    public static partial void InboundClosed(ILogger logger, string remote, string reason);

    [LoggerMessage(20, LogLevel.Warning, "Rejected a message from {Remote}: {Reason}: {Detail}")]
    public static partial void MessageRejected(ILogger logger, string remote, RejectReason reason, string detail);

    [LoggerMessage(21, LogLevel.Warning, "Control queue to {Address} is full; dropped its oldest message ({Dropped} dropped on this link so far)")]
    public static partial void QueueDropped(ILogger logger, string address, long dropped);

    [LoggerMessage(22, LogLevel.Warning, "Peer {Peer} sent nothing for {SilentMs} ms (heartbeat timeout {TimeoutMs} ms); closing its links")]
    public static partial void PeerSilent(ILogger logger, string peer, long silentMs, long timeoutMs);

    [LoggerMessage(23, LogLevel.Warning, "Digest of {Peer} ({Theirs}) still differs from ours ({Ours}) with both sides idle; re-sending our log to it")]
    public static partial void AntiEntropyRewind(ILogger logger, string peer, string theirs, string ours);

    [LoggerMessage(24, LogLevel.Information, "Peer exchange: dialing {Address} ({Connected} of {Target} peers)")]
    public static partial void ExchangeDial(ILogger logger, string address, int connected, int target);

    [LoggerMessage(25, LogLevel.Information, "Replicating to {Address} from log position {Cursor} of {Length}")]
    public static partial void ReplicationStart(ILogger logger, string address, int cursor, int length);

    [LoggerMessage(40, LogLevel.Information, "Loaded {Count} records from {Path}")]
    public static partial void RecordsLoaded(ILogger logger, int count, string path);

    [LoggerMessage(41, LogLevel.Warning, "Ignored a torn last line in {Path} at byte {Offset} (a crash during a write); truncated it")]
    public static partial void TornTail(ILogger logger, string path, long offset);

    [LoggerMessage(30, LogLevel.Debug, "Stored record {Key} from {Remote} ({Hops} hops); relaying to {PeerCount} peers")]
    public static partial void RecordReceived(ILogger logger, string key, string remote, int hops, int peerCount);
}
