using System.Buffers;
using System.Diagnostics;
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

    // The trace id is kept as its 16 bytes, not as 32 characters of text (≈ 70 bytes less per record);
    // text that is not a W3C trace id is kept as it is.
    private readonly ActivityTraceId _traceId;
    private readonly bool _hasTraceId;
    private readonly string? _traceText;

    public StoredRecord(string key, byte[] valueJson, string? origin, long? createdAtUnixMs, int hops, string? traceId, string? receivedFrom = null)
        : this(key, valueJson, origin, createdAtUnixMs, hops, AsTraceId(traceId), receivedFrom)
    {
        if (traceId is not null && !_hasTraceId)
        {
            _traceText = traceId;
        }
    }

    private StoredRecord(string key, byte[] valueJson, string? origin, long? createdAtUnixMs, int hops, ActivityTraceId? traceId, string? receivedFrom)
    {
        Key = key;
        ValueJson = valueJson;
        Origin = origin;
        CreatedAtUnixMs = createdAtUnixMs;
        Hops = hops;
        (_traceId, _hasTraceId) = traceId is { } id ? (id, true) : (default, false);
        ReceivedFrom = receivedFrom;
        ContentHash = Hash(key, valueJson);
    }

    /// <summary>A record whose trace id is already parsed (from a traceparent), so no text is made for it.</summary>
    public static StoredRecord WithTraceId(string key, byte[] valueJson, string? origin, long? createdAtUnixMs, int hops, ActivityTraceId? traceId, string? receivedFrom = null) =>
        new(key, valueJson, origin, createdAtUnixMs, hops, traceId, receivedFrom);

    public string Key { get; }
    public byte[] ValueJson { get; }

    /// <summary>Node id of the record's creator; null when it came from a node that does not say (the tutorial's).</summary>
    public string? Origin { get; }

    public long? CreatedAtUnixMs { get; }

    /// <summary>Links the record crossed from its origin to this node (0 = created here).</summary>
    public int Hops { get; }

    /// <summary>The trace the record's propagation belongs to, when it was traced.</summary>
    public string? TraceId => _hasTraceId ? _traceId.ToHexString() : _traceText;

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

    /// <summary>XxHash64 of the key's UTF-8 bytes, a zero byte and the value bytes, hashed in one pass without allocating.</summary>
    private static ulong Hash(string key, byte[] value)
    {
        var length = Encoding.UTF8.GetMaxByteCount(key.Length) + 1 + value.Length;
        byte[]? rented = null;
        var buffer = length <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(key, buffer);
            buffer[written++] = 0;
            value.CopyTo(buffer[written..]);
            return XxHash64.HashToUInt64(buffer[..(written + value.Length)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ActivityTraceId? AsTraceId(string? text)
    {
        if (text is not { Length: 32 })
        {
            return null;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return null;
            }
        }

        return text.AsSpan().ContainsAnyExcept('0') ? ActivityTraceId.CreateFromString(text) : null;
    }
}
