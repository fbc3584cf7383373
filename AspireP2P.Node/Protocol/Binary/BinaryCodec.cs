using AspireP2P.Node.Broadcast;
using AspireP2P.Node.Membership;
using AspireP2P.Node.Reconciliation;

namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// The binary frames between our nodes (protocol version 3): the type byte (<see cref="BinaryMessageType"/>), then the
/// message. The only place these bytes are read and written. Decoding never throws: any byte string gives a message or a
/// rejection reason to count (<see cref="BinaryReject"/>), every length is checked against the bytes that follow before
/// anything is allocated, and trailing bytes are refused. Tutorial nodes never see these: they get JSON text frames.
/// </summary>
public static class BinaryCodec
{
    /// <summary>The value cap of a record (P2P:MaxRecordBytes' default); a decoder is given the node's own.</summary>
    public const int DefaultMaxValueBytes = 65_536;

    public static byte[] Encode(RecordBatch batch) => Frame(BinaryMessageType.Records, batch, static (w, m) => RecordBatchCodec.Encode(w, m));

    public static byte[] Encode(ReconcileMessage message) => Frame(BinaryMessageType.Reconcile, message, static (w, m) => ReconcileCodec.Encode(w, m));

    public static byte[] Encode(HeartbeatFrame heartbeat) => Frame(BinaryMessageType.Heartbeat, heartbeat, static (w, m) => ControlCodec.Encode(w, m));

    public static byte[] Encode(IHaveMessage message) => Frame(BinaryMessageType.IHave, message.Records, static (w, m) => ControlCodec.Encode(w, m));

    public static byte[] Encode(GraftMessage message) => Frame(BinaryMessageType.Graft, message.Records, static (w, m) => ControlCodec.Encode(w, m));

    public static byte[] Encode(PruneMessage message) => Frame(BinaryMessageType.Prune, message, static (w, m) => ControlCodec.Encode(w, m));

    public static byte[] Encode(MembershipMessage message) => Frame(TypeOf(message), message, static (w, m) => ControlCodec.Encode(w, m));

    public static BinaryDecodeResult Decode(ReadOnlySpan<byte> frame, int maxValueBytes = DefaultMaxValueBytes)
    {
        if (frame.IsEmpty)
        {
            return BinaryDecodeResult.Reject(BinaryReject.Empty, "an empty binary frame");
        }

        try
        {
            return DecodeBody((BinaryMessageType)frame[0], frame[1..], maxValueBytes);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            // Every field is checked before use; this only keeps a mistake of ours from becoming a dead link reader.
            return BinaryDecodeResult.Reject(BinaryReject.Invalid, $"{frame[0]}: {ex.GetType().Name}");
        }
    }

    private static BinaryDecodeResult DecodeBody(BinaryMessageType type, ReadOnlySpan<byte> body, int maxValueBytes)
    {
        var reader = new FrameReader(body);
        object? message;
        switch (type)
        {
            case BinaryMessageType.Records:
                if (!RecordBatchCodec.TryDecode(ref reader, maxValueBytes, out var batch, out var reason, out var detail))
                {
                    return BinaryDecodeResult.Reject(reason, detail!);
                }

                message = batch;
                break;
            case BinaryMessageType.Reconcile:
                if (!ReconcileCodec.TryDecode(ref reader, out var reconcile, out var why, out var what))
                {
                    return BinaryDecodeResult.Reject(why, what!);
                }

                message = reconcile;
                break;
            case BinaryMessageType.Heartbeat:
                message = ControlCodec.TryDecodeHeartbeat(ref reader, out var heartbeat) ? heartbeat : null;
                break;
            case BinaryMessageType.IHave:
                message = ControlCodec.TryDecodeSeqs(ref reader, out var announced) ? new IHaveMessage(announced!) : null;
                break;
            case BinaryMessageType.Graft:
                message = ControlCodec.TryDecodeSeqs(ref reader, out var wanted) ? new GraftMessage(wanted!) : null;
                break;
            case BinaryMessageType.Prune:
                message = ControlCodec.TryDecodePrune(ref reader, out var prune) ? prune : null;
                break;
            case BinaryMessageType.Join or BinaryMessageType.ForwardJoin or BinaryMessageType.Disconnect
                or BinaryMessageType.Shuffle or BinaryMessageType.ShuffleReply:
                message = ControlCodec.TryDecodeMembership(ref reader, type, out var membership) ? membership : null;
                break;
            default:
                return BinaryDecodeResult.Reject(BinaryReject.UnknownType, $"unknown binary message type {(byte)type}");
        }

        if (message is null)
        {
            return BinaryDecodeResult.Reject(reader.Truncated ? BinaryReject.Truncated : BinaryReject.Invalid, $"{type}: a field is truncated or out of range");
        }

        return reader.AtEnd
            ? new BinaryDecodeResult(message, BinaryReject.None, null)
            : BinaryDecodeResult.Reject(BinaryReject.TrailingBytes, $"{type}: {reader.Remaining} bytes after the message");
    }

    private static BinaryMessageType TypeOf(MembershipMessage message) => message switch
    {
        JoinMessage => BinaryMessageType.Join,
        ForwardJoinMessage => BinaryMessageType.ForwardJoin,
        DisconnectMessage => BinaryMessageType.Disconnect,
        ShuffleMessage => BinaryMessageType.Shuffle,
        ShuffleReplyMessage => BinaryMessageType.ShuffleReply,
        _ => throw new ArgumentException($"no binary form for {message.GetType().Name}", nameof(message)),
    };

    private static byte[] Frame<T>(BinaryMessageType type, T message, Action<FrameWriter, T> write)
    {
        var writer = FrameWriter.Rent();
        writer.Byte((byte)type);
        write(writer, message);
        return writer.ToArray();
    }
}
