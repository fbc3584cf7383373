using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Records;

/// <summary>
/// The binary form of an <see cref="Entry"/> in the record log (not the wire format, which is JSON). Layout, all
/// integers big-endian: version (1) · origin (16) · seq (8) · created-at ms (8) · flags (1) · hops (1) · leaf index (2)
/// · leaf count (2) · trace id (16, zeros = none) · key length (2) · key UTF-8 · value length (4) · value
/// · signature length (1) · signature · proof length (2) · proof.
/// </summary>
public static class EntryCodec
{
    private const byte Version = 1;
    private const int FixedPrefix = 1 + NodeId.ByteLength + 8 + 8 + 1 + 1 + 2 + 2 + 16;

    /// <summary>Offset of the key-length field; the value follows the key.</summary>
    private const int KeyLengthOffset = FixedPrefix;

    public static byte[] Encode(Entry entry)
    {
        var keyBytes = Encoding.UTF8.GetByteCount(entry.Key);
        var length = FixedPrefix + 2 + keyBytes + 4 + entry.Value.Length + 1 + entry.Signature.Length + 2 + entry.Proof.Length;
        var blob = new byte[length];
        var span = blob.AsSpan();
        span[0] = Version;
        entry.Origin.Write(span[1..]);
        var at = 1 + NodeId.ByteLength;
        BinaryPrimitives.WriteInt64BigEndian(span[at..], entry.Seq);
        at += 8;
        BinaryPrimitives.WriteInt64BigEndian(span[at..], entry.CreatedAtMs);
        at += 8;
        span[at++] = (byte)entry.Flags;
        span[at++] = (byte)Math.Clamp(entry.Hops, 0, byte.MaxValue);
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], entry.LeafIndex);
        at += 2;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], entry.LeafCount);
        at += 2;
        if (entry.TraceId is { } traceId)
        {
            traceId.CopyTo(span.Slice(at, 16));
        }

        at += 16;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], checked((ushort)keyBytes));
        at += 2;
        at += Encoding.UTF8.GetBytes(entry.Key, span[at..]);
        BinaryPrimitives.WriteInt32BigEndian(span[at..], entry.Value.Length);
        at += 4;
        entry.Value.CopyTo(span[at..]);
        at += entry.Value.Length;
        span[at++] = checked((byte)entry.Signature.Length);
        entry.Signature.CopyTo(span[at..]);
        at += entry.Signature.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], checked((ushort)entry.Proof.Length));
        at += 2;
        entry.Proof.CopyTo(span[at..]);
        Debug.Assert(at + entry.Proof.Length == length);
        return blob;
    }

    public static Entry Decode(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < FixedPrefix + 6 || blob[0] != Version)
        {
            throw new InvalidDataException($"not a record log entry (version {(blob.Length > 0 ? blob[0] : -1)}, {blob.Length} bytes)");
        }

        var origin = NodeId.Read(blob[1..]);
        var at = 1 + NodeId.ByteLength;
        var seq = BinaryPrimitives.ReadInt64BigEndian(blob[at..]);
        at += 8;
        var createdAt = BinaryPrimitives.ReadInt64BigEndian(blob[at..]);
        at += 8;
        var flags = (EntryTraits)blob[at++];
        var hops = blob[at++];
        var leafIndex = BinaryPrimitives.ReadUInt16BigEndian(blob[at..]);
        at += 2;
        var leafCount = BinaryPrimitives.ReadUInt16BigEndian(blob[at..]);
        at += 2;
        var traceBytes = blob.Slice(at, 16);
        ActivityTraceId? traceId = traceBytes.ContainsAnyExcept((byte)0) ? ActivityTraceId.CreateFromBytes(traceBytes) : null;
        at += 16;
        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(blob[at..]);
        at += 2;
        var key = Encoding.UTF8.GetString(blob.Slice(at, keyLength));
        at += keyLength;
        var value = ValueOf(blob, at, out at).ToArray();
        var signatureLength = blob[at++];
        var signature = blob.Slice(at, signatureLength).ToArray();
        at += signatureLength;
        var proofLength = BinaryPrimitives.ReadUInt16BigEndian(blob[at..]);
        at += 2;
        var proof = proofLength == 0 ? [] : blob.Slice(at, proofLength).ToArray();
        return new Entry
        {
            Origin = origin,
            Seq = seq,
            CreatedAtMs = createdAt,
            Flags = flags,
            Hops = hops,
            LeafIndex = leafIndex,
            LeafCount = leafCount,
            TraceId = traceId,
            Key = key,
            Value = value,
            Signature = signature,
            Proof = proof,
        };
    }

    /// <summary>The record's value (raw JSON) inside a blob, without decoding the rest: GET /records streams these.</summary>
    public static ReadOnlySpan<byte> Value(ReadOnlySpan<byte> blob)
    {
        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(blob[KeyLengthOffset..]);
        return ValueOf(blob, KeyLengthOffset + 2 + keyLength, out _);
    }

    /// <summary>Where the value lies in a blob.</summary>
    public static ReadOnlyMemory<byte> ValueMemory(byte[] blob)
    {
        var keyLength = BinaryPrimitives.ReadUInt16BigEndian(blob.AsSpan(KeyLengthOffset));
        var lengthAt = KeyLengthOffset + 2 + keyLength;
        var valueLength = BinaryPrimitives.ReadInt32BigEndian(blob.AsSpan(lengthAt));
        return blob.AsMemory(lengthAt + 4, valueLength);
    }

    private static ReadOnlySpan<byte> ValueOf(ReadOnlySpan<byte> blob, int lengthAt, out int next)
    {
        var valueLength = BinaryPrimitives.ReadInt32BigEndian(blob[lengthAt..]);
        next = lengthAt + 4 + valueLength;
        return blob.Slice(lengthAt + 4, valueLength);
    }
}
