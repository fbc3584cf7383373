namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// The first byte of every binary frame between our nodes (protocol version 3 and later). Append only: the numbers are
/// on the wire, and a node that reads a number it does not know rejects that frame, counted, and keeps the link.
/// </summary>
public enum BinaryMessageType : byte
{
    /// <summary>Entries of one origin's signed batch, one signature for all (<c>RecordBatch</c>).</summary>
    Records = 1,

    /// <summary>Ids of records the sender holds, in seq ranges per origin: the lazy links' announcements.</summary>
    IHave = 2,

    /// <summary>"Send me these records, and make this link eager for their origins."</summary>
    Graft = 3,

    /// <summary>"I got these origins' records twice: make this link lazy for them."</summary>
    Prune = 4,

    /// <summary>Liveness, the root fingerprint of what the sender holds, its backlog, a few of its peers.</summary>
    Heartbeat = 5,

    /// <summary>One step of a reconciliation session.</summary>
    Reconcile = 6,

    /// <summary>Membership: a new node asks its contact to let it in. (HyParView's NEIGHBOR is the link upgrade itself.)</summary>
    Join = 7,

    /// <summary>Membership: a join travelling a random walk.</summary>
    ForwardJoin = 8,

    /// <summary>Membership: "I dropped you from my active view" (the link closes; keep me as passive).</summary>
    Disconnect = 9,

    /// <summary>Membership: a sample of the sender's views travelling a random walk.</summary>
    Shuffle = 10,

    /// <summary>Membership: the sample sent back to the shuffle's origin, along the walk.</summary>
    ShuffleReply = 11,
}

/// <summary>Why a binary frame was rejected; <see cref="BinaryRejects.Tag"/> is the counter's <c>reason</c> tag.</summary>
public enum BinaryReject
{
    None,
    Empty,
    UnknownType,

    /// <summary>The frame ends before a field does.</summary>
    Truncated,

    /// <summary>Bytes after the message's last field.</summary>
    TrailingBytes,

    /// <summary>A count or length beyond what this node accepts.</summary>
    TooLarge,

    /// <summary>A field out of its range (a seq of 0, unsorted ranges, unknown flags, a leaf index outside its batch).</summary>
    Invalid,
}

public static class BinaryRejects
{
    /// <summary>A read failed: truncated when the frame ran out, invalid when a value was out of range.</summary>
    internal static bool Fail(ref FrameReader reader, out BinaryReject reason, out string? detail, string message, string what)
    {
        reason = reader.Truncated ? BinaryReject.Truncated : BinaryReject.Invalid;
        detail = $"{message}: {what} is truncated or out of range";
        return false;
    }

    internal static bool Invalid(out BinaryReject reason, out string? detail, string message, string what)
    {
        reason = BinaryReject.Invalid;
        detail = $"{message}: {what}";
        return false;
    }

    public static string Tag(this BinaryReject reason) => reason switch
    {
        BinaryReject.Empty => "binary_empty",
        BinaryReject.UnknownType => "binary_unknown_type",
        BinaryReject.Truncated => "binary_truncated",
        BinaryReject.TrailingBytes => "binary_trailing_bytes",
        BinaryReject.TooLarge => "binary_too_large",
        BinaryReject.Invalid => "binary_invalid",
        _ => "binary",
    };
}

/// <summary>A decoded binary frame: the message, or why there is none.</summary>
public readonly record struct BinaryDecodeResult(object? Message, BinaryReject Reason, string? Detail)
{
    public static BinaryDecodeResult Reject(BinaryReject reason, string detail) => new(null, reason, detail);
}
