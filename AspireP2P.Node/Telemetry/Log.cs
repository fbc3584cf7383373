namespace AspireP2P.Node.Telemetry;

/// <summary>
/// Source-generated log messages with stable event ids. P2P events (links, refusals, state changes) are Information or
/// Warning; anything per record is Debug, so a busy node's log stays readable.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Node {Name} ({NodeId}) listening; peers dial it at {Address}; {Records} records held{Crash}")]
    private static partial void NodeStartedCore(ILogger logger, string name, string nodeId, string address, long records, string crash);

    public static void NodeStarted(ILogger logger, string name, string nodeId, string address, long records, bool resumedAfterCrash) =>
        NodeStartedCore(logger, name, nodeId, address, records, resumedAfterCrash ? "; the last run did not stop cleanly, so its feed skips the seqs it had reserved" : string.Empty);

    [LoggerMessage(10, LogLevel.Information, "Link to {Peer} open ({Kind}, {Direction})")]
    public static partial void LinkOpened(ILogger logger, string peer, string kind, string direction);

    [LoggerMessage(11, LogLevel.Information, "Link to {Peer} closed: {Reason}")]
    public static partial void LinkClosed(ILogger logger, string peer, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Could not link to {Address} (attempt {Attempt}, next try in {DelayMs} ms): {Error}")]
    public static partial void PeerConnectFailed(ILogger logger, string address, int attempt, long delayMs, string error);

    [LoggerMessage(13, LogLevel.Debug, "Not linking to {Address}: {Reason}")]
    public static partial void PeerSkipped(ILogger logger, string address, string reason);

    [LoggerMessage(14, LogLevel.Warning, "{Address} refused the link ({Status}): {Reason}")]
    public static partial void PeerRefused(ILogger logger, string address, int status, string reason);

    [LoggerMessage(15, LogLevel.Warning, "Refused a link from {Remote} ({Status}): {Reason}")]
    public static partial void UpgradeRefused(ILogger logger, string remote, int status, string reason);

    [LoggerMessage(20, LogLevel.Warning, "Rejected a message from {Remote}: {Reason} (#{Count} for this reason on this link): {Detail}")]
    public static partial void MessageRejected(ILogger logger, string remote, string reason, long count, string detail);

    [LoggerMessage(21, LogLevel.Warning, "{Peer} broke the protocol again and again; its link is closed and its next one refused until {Until:HH:mm:ss}")]
    public static partial void PeerPenalized(ILogger logger, string peer, DateTimeOffset until);

    [LoggerMessage(22, LogLevel.Warning, "{Peer} sent nothing for {SilentMs} ms (heartbeat timeout {TimeoutMs} ms); closing its link")]
    public static partial void PeerSilent(ILogger logger, string peer, long silentMs, long timeoutMs);

    [LoggerMessage(24, LogLevel.Information, "Peer exchange: dialing {Address} ({Linked} of {Target} peers)")]
    public static partial void ExchangeDial(ILogger logger, string address, int linked, int target);

    [LoggerMessage(26, LogLevel.Warning, "Origin {Origin} signed two entries for {Key}: {Outcome}")]
    public static partial void ConflictSettled(ILogger logger, string key, string origin, string outcome);

    [LoggerMessage(40, LogLevel.Error, "The record log failed; this node accepts no more records until it restarts: {Reason}")]
    public static partial void StoreFailed(ILogger logger, string reason);

    [LoggerMessage(30, LogLevel.Debug, "Stored record {Key} from {Remote} ({Hops} hops)")]
    public static partial void RecordStored(ILogger logger, string key, string remote, int hops);

    [LoggerMessage(31, LogLevel.Debug, "Adopting unsigned record {Key} from {Remote} into this node's feed")]
    public static partial void RecordAdopted(ILogger logger, string key, string remote);

    [LoggerMessage(50, LogLevel.Error, "The {Task} failed")]
    public static partial void TaskFailed(ILogger logger, string task, Exception exception);

    [LoggerMessage(51, LogLevel.Warning, "Restarting the {Task} in {DelayMs} ms")]
    public static partial void LoopRestarting(ILogger logger, string task, long delayMs);

    [LoggerMessage(52, LogLevel.Critical, "The node fails stop: the {Part} cannot recover: {Reason}")]
    public static partial void NodeFailStop(ILogger logger, string part, string reason, Exception? exception);

    [LoggerMessage(53, LogLevel.Warning, "{Count} tasks were still running {LimitMs} ms after the node began to stop")]
    public static partial void TasksOutlivedStop(ILogger logger, int count, long limitMs);

    [LoggerMessage(54, LogLevel.Error, "A record store subscriber ({Part}) threw; the store goes on")]
    public static partial void SubscriberFailed(ILogger logger, string part, Exception exception);
}
