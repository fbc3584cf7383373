namespace AspireP2P.Node.Records;

/// <summary>
/// One record as a node holds it. The value is kept as its raw UTF-8 JSON text: it is never re-serialized,
/// so GET /records and every relay write the very bytes that were posted.
/// </summary>
public sealed class StoredRecord(string key, byte[] valueJson, string? origin, long? createdAtUnixMs, int hops, string? traceId)
{
    public string Key { get; } = key;
    public byte[] ValueJson { get; } = valueJson;

    /// <summary>Node id of the record's creator; null when it came from a node that does not say (the tutorial's).</summary>
    public string? Origin { get; } = origin;

    public long? CreatedAtUnixMs { get; } = createdAtUnixMs;

    /// <summary>Links the record crossed from its origin to this node (0 = created here).</summary>
    public int Hops { get; } = hops;

    /// <summary>The trace the record's propagation belongs to, when it was traced.</summary>
    public string? TraceId { get; } = traceId;
}
