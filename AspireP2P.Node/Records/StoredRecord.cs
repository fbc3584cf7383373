using System.IO.Hashing;
using System.Text;

namespace AspireP2P.Node.Records;

/// <summary>
/// One record as a node holds it. The value is kept as its raw UTF-8 JSON text: it is never re-serialized,
/// so GET /records and every relay write the very bytes that were posted.
/// </summary>
public sealed class StoredRecord
{
    private byte[]? _frame;

    public StoredRecord(string key, byte[] valueJson, string? origin, long? createdAtUnixMs, int hops, string? traceId, string? receivedFrom = null)
    {
        Key = key;
        ValueJson = valueJson;
        Origin = origin;
        CreatedAtUnixMs = createdAtUnixMs;
        Hops = hops;
        TraceId = traceId;
        ReceivedFrom = receivedFrom;
        ContentHash = Hash(key, valueJson);
    }

    public string Key { get; }
    public byte[] ValueJson { get; }

    /// <summary>Node id of the record's creator; null when it came from a node that does not say (the tutorial's).</summary>
    public string? Origin { get; }

    public long? CreatedAtUnixMs { get; }

    /// <summary>Links the record crossed from its origin to this node (0 = created here).</summary>
    public int Hops { get; }

    /// <summary>The trace the record's propagation belongs to, when it was traced.</summary>
    public string? TraceId { get; }

    /// <summary>Who handed us this copy (<see cref="Peers.PeerIdentity"/>); links never send a record back to it.</summary>
    public string? ReceivedFrom { get; }

    /// <summary>Stable 64-bit hash of key and value; the XOR of all of them is the node's set digest.</summary>
    public ulong ContentHash { get; }

    /// <summary>
    /// The NEW_RECORD message for this record's live broadcast, encoded once and shared by every link;
    /// released once every link has sent it (links that lag behind encode from the record instead).
    /// </summary>
    public byte[]? Frame
    {
        get => Volatile.Read(ref _frame);
        set => Volatile.Write(ref _frame, value);
    }

    /// <summary>
    /// Decides between two different values claiming one key, the same way on every node: the later creation
    /// time wins, then the smaller origin id, then the smaller value bytes. Returns true when <paramref name="challenger"/> wins.
    /// </summary>
    public static bool Supersedes(StoredRecord challenger, StoredRecord holder)
    {
        var byTime = (challenger.CreatedAtUnixMs ?? 0).CompareTo(holder.CreatedAtUnixMs ?? 0);
        if (byTime != 0)
        {
            return byTime > 0;
        }

        var byOrigin = string.CompareOrdinal(challenger.Origin ?? string.Empty, holder.Origin ?? string.Empty);
        if (byOrigin != 0)
        {
            return byOrigin < 0;
        }

        return challenger.ValueJson.AsSpan().SequenceCompareTo(holder.ValueJson) < 0;
    }

    private static ulong Hash(string key, byte[] value)
    {
        var hash = new XxHash64();
        hash.Append(Encoding.UTF8.GetBytes(key));
        hash.Append([0]);
        hash.Append(value);
        return hash.GetCurrentHashAsUInt64();
    }
}
