using System.Diagnostics;
using System.Text;
using AspireP2P.Node.Records;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// The binary form of <see cref="RecordBatch"/>: flags (1: public key follows, 2: sync) · origin (16) · [public key] ·
/// signature · leaf count · entry count · entries · proof hashes. An entry: leaf index (delta) · its flags (record flags
/// in bits 0–1; 4: key follows, 8: trace follows, 16: tracestate follows) · seq (the first absolute, then the difference
/// from the previous, zig-zag) · created-at ms (the same) · hops · [key] · value · [trace id 16, span id 8, trace
/// flags 1] · [tracestate]. A lone record of 16 bytes costs about 140 bytes; in a batch, about 40 each.
/// </summary>
public static class RecordBatchCodec
{
    public const int MaxPublicKey = 64;
    public const int MaxSignature = 128;

    private const byte PublicKeyFlag = 1, SyncFlag = 2;
    private const byte TraitsMask = 3, KeyFlag = 4, TraceFlag = 8, TracestateFlag = 16;
    private const int MaxTracestate = 512;

    public static void Encode(FrameWriter writer, RecordBatch batch)
    {
        writer.Byte((byte)((batch.PublicKey is not null ? PublicKeyFlag : 0) | (batch.Sync ? SyncFlag : 0)));
        writer.Id(batch.Origin);
        if (batch.PublicKey is not null)
        {
            writer.Blob(batch.PublicKey);
        }

        writer.Blob(batch.Signature);
        writer.VarInt((ulong)batch.LeafCount);
        writer.VarInt((ulong)batch.Entries.Count);
        var (index, seq, created) = (-1, 0L, 0L);
        Span<byte> traceBytes = stackalloc byte[16];
        foreach (var entry in batch.Entries)
        {
            writer.VarInt((ulong)(entry.LeafIndex - index - 1));
            index = entry.LeafIndex;
            var key = entry.Key is not null && entry.Key != Entry.KeyFor(batch.Origin, entry.Seq) ? entry.Key : null;
            writer.Byte((byte)(((byte)entry.Flags & TraitsMask) | (key is not null ? KeyFlag : 0)
                | (entry.Trace is not null ? TraceFlag : 0) | (entry.Tracestate is not null ? TracestateFlag : 0)));
            writer.SignedVarInt(entry.Seq - seq);
            writer.SignedVarInt(entry.CreatedAtMs - created);
            (seq, created) = (entry.Seq, entry.CreatedAtMs);
            writer.VarInt((ulong)Math.Max(0, entry.Hops));
            if (key is not null)
            {
                writer.Blob(Encoding.UTF8.GetBytes(key));
            }

            writer.Blob(entry.Value);
            if (entry.Trace is { } trace)
            {
                trace.TraceId.CopyTo(traceBytes);
                writer.Bytes(traceBytes);
                trace.SpanId.CopyTo(traceBytes[..8]);
                writer.Bytes(traceBytes[..8]);
                writer.Byte((byte)trace.TraceFlags);
            }

            if (entry.Tracestate is not null)
            {
                writer.Blob(Encoding.UTF8.GetBytes(entry.Tracestate));
            }
        }

        writer.VarInt((ulong)(batch.Proof.Length / EntrySignature.HashLength));
        writer.Bytes(batch.Proof);
    }

    public static bool TryDecode(ref FrameReader reader, int maxValueBytes, out RecordBatch? batch, out BinaryReject reason, out string? detail)
    {
        batch = null;
        ReadOnlySpan<byte> publicKey = default;
        if (!reader.Byte(out var flags) || !reader.Id(out var origin)
            || ((flags & PublicKeyFlag) != 0 && !reader.Blob(MaxPublicKey, out publicKey))
            || !reader.Blob(MaxSignature, out var signature)
            || !reader.VarInt(1, EntrySignature.MaxBatch, out var leafCount)
            || !reader.Count((int)leafCount, 5, out var count))
        {
            return BinaryRejects.Fail(ref reader, out reason, out detail, "records", "the batch header");
        }

        if ((flags & ~(PublicKeyFlag | SyncFlag)) != 0 || origin.IsNone || count == 0)
        {
            return BinaryRejects.Invalid(out reason, out detail, "records", "unknown batch flags, no origin or no entry");
        }

        var entries = new List<BatchEntry>(count);
        var (index, seq, created) = (-1L, 0L, 0L);
        for (var i = 0; i < count; i++)
        {
            if (!reader.VarInt(0, leafCount - index - 2, out var skip) || !reader.Byte(out var entryFlags)
                || !reader.SignedVarInt(out var seqDelta) || !reader.SignedVarInt(out var createdDelta)
                || !reader.VarInt(0, 1_000_000, out var hops))
            {
                return BinaryRejects.Fail(ref reader, out reason, out detail, "records", "an entry header");
            }

            index += skip + 1;
            seq += seqDelta;
            created += createdDelta;
            var traits = (EntryTraits)(entryFlags & TraitsMask);
            if ((entryFlags & ~(TraitsMask | KeyFlag | TraceFlag | TracestateFlag)) != 0 || (traits & ~EntryTraits.Adopted) != 0
                || seq < 1 || seq > ReconcileCodec.MaxSeq)
            {
                return BinaryRejects.Invalid(out reason, out detail, "records", "an entry's flags or seq");
            }

            string? key = null;
            if ((entryFlags & KeyFlag) != 0)
            {
                if (!reader.Blob(WireProtocol.MaxKeyLength * 4, out var keyBytes) || !TryUtf8(keyBytes, WireProtocol.MaxKeyLength, out key))
                {
                    return BinaryRejects.Fail(ref reader, out reason, out detail, "records", "an entry's key");
                }
            }
            else if ((traits & EntryTraits.Adopted) != 0)
            {
                return BinaryRejects.Invalid(out reason, out detail, "records", "an adopted entry without its key");
            }

            if (!reader.VarInt(0, int.MaxValue, out var valueLength))
            {
                return BinaryRejects.Fail(ref reader, out reason, out detail, "records", "an entry's value length");
            }

            if (valueLength > maxValueBytes)
            {
                reason = BinaryReject.TooLarge;
                detail = $"record value is {valueLength} bytes, the cap is {maxValueBytes}";
                return false;
            }

            if (!reader.Bytes((int)valueLength, out var value))
            {
                return BinaryRejects.Fail(ref reader, out reason, out detail, "records", "an entry's value");
            }

            if (!IsOneJsonValue(value))
            {
                return BinaryRejects.Invalid(out reason, out detail, "records", "an entry's value that is not one JSON value");
            }

            ActivityContext? trace = null;
            if ((entryFlags & TraceFlag) != 0)
            {
                if (!reader.Bytes(16, out var traceId) || !reader.Bytes(8, out var spanId) || !reader.Byte(out var traceFlags))
                {
                    return BinaryRejects.Fail(ref reader, out reason, out detail, "records", "an entry's trace");
                }

                trace = new ActivityContext(ActivityTraceId.CreateFromBytes(traceId), ActivitySpanId.CreateFromBytes(spanId), (ActivityTraceFlags)(traceFlags & 1), isRemote: true);
            }

            string? tracestate = null;
            if ((entryFlags & TracestateFlag) != 0
                && (!reader.Blob(MaxTracestate, out var stateBytes) || !TryUtf8(stateBytes, MaxTracestate, out tracestate)))
            {
                return BinaryRejects.Fail(ref reader, out reason, out detail, "records", "an entry's tracestate");
            }

            entries.Add(new BatchEntry((int)index, seq, created, traits, key, value.ToArray(), (int)hops, trace, tracestate));
        }

        if (!reader.Count(EntrySignature.MaxBatch, EntrySignature.HashLength, out var hashes) || !reader.Bytes(hashes * EntrySignature.HashLength, out var proof))
        {
            return BinaryRejects.Fail(ref reader, out reason, out detail, "records", "the proof");
        }

        batch = new RecordBatch(origin, (flags & PublicKeyFlag) != 0 ? publicKey.ToArray() : null, signature.ToArray(), (int)leafCount, entries, proof.ToArray(), (flags & SyncFlag) != 0);
        reason = BinaryReject.None;
        detail = null;
        return true;
    }

    /// <summary>Whether the bytes are exactly one JSON value: GET /records serves them as they are.</summary>
    private static bool IsOneJsonValue(ReadOnlySpan<byte> value)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(value);
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static bool TryUtf8(ReadOnlySpan<byte> bytes, int maxChars, out string? text)
    {
        text = null;
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return false;
        }

        text = Encoding.UTF8.GetString(bytes);
        return text.Length is > 0 && text.Length <= maxChars;
    }
}
