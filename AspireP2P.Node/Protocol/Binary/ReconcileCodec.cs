using AspireP2P.Node.Identity;
using AspireP2P.Node.Reconciliation;

namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// The binary form of <see cref="ReconcileMessage"/>. Layout: flags (1: from initiator, 2: opens (salt follows), 4: more,
/// 8: end) · session · received · [salt 16] · item count · items, each a kind byte then its fields. Seqs are varints,
/// ranges as (from, length − 1), lists as deltas; a range of feeds is its depth and hex digits (no bounds to send).
/// Fingerprints are 16 bytes, left out for an empty range; a seq list's entries carry 8 bytes of their salted leaf hash.
/// </summary>
public static class ReconcileCodec
{
    public const int MaxItems = 8192;
    public const int MaxSummaries = 256;
    public const int MaxGaps = 64;
    public const int MaxSeqEntries = 256;
    public const int MaxNeedRanges = 256;

    /// <summary>Seqs are below 2^62, so that range arithmetic never overflows.</summary>
    public const long MaxSeq = 1L << 62;

    private const byte FromInitiatorFlag = 1, OpenFlag = 2, MoreFlag = 4, EndFlag = 8;

    public static void Encode(FrameWriter writer, ReconcileMessage message)
    {
        var flags = (byte)((message.FromInitiator ? FromInitiatorFlag : 0) | (message.Salt is not null ? OpenFlag : 0)
            | (message.More ? MoreFlag : 0) | (message.End ? EndFlag : 0));
        writer.Byte(flags);
        writer.VarInt(message.Session);
        writer.VarInt((ulong)Math.Max(0, message.Received));
        if (message.Salt is not null)
        {
            writer.Bytes(message.Salt);
        }

        writer.VarInt((ulong)message.Items.Count);
        foreach (var item in message.Items)
        {
            EncodeItem(writer, item);
        }
    }

    public static void EncodeItem(FrameWriter writer, ReconcileItem item)
    {
        writer.Byte((byte)item.Kind);
        switch (item)
        {
            case FeedFingerprintItem fingerprint:
                Prefix(writer, fingerprint.Range);
                Fingerprint(writer, fingerprint.Count, fingerprint.Fingerprint);
                break;
            case FeedSummariesItem summaries:
                Prefix(writer, summaries.Range);
                writer.VarInt((ulong)summaries.Feeds.Count);
                foreach (var feed in summaries.Feeds)
                {
                    writer.Id(feed.Origin);
                    writer.VarInt((ulong)feed.High);
                    Gaps(writer, feed.Gaps);
                    Hash16(writer, feed.Fingerprint);
                }

                break;
            case SeqFingerprintItem seqs:
                writer.Id(seqs.Origin);
                Range(writer, seqs.From, seqs.To);
                Fingerprint(writer, seqs.Count, seqs.Fingerprint);
                break;
            case SeqListItem list:
                writer.Id(list.Origin);
                Range(writer, list.From, list.To);
                writer.VarInt((ulong)list.Entries.Count);
                var previous = list.From - 1;
                foreach (var entry in list.Entries)
                {
                    writer.VarInt((ulong)(entry.Seq - previous - 1));
                    writer.Fixed64(entry.Fingerprint);
                    previous = entry.Seq;
                }

                break;
            case NeedItem need:
                writer.Id(need.Origin);
                writer.VarInt((ulong)need.Ranges.Count);
                var end = 0L;
                foreach (var (from, to) in need.Ranges)
                {
                    writer.VarInt((ulong)(from - end - 1));
                    writer.VarInt((ulong)(to - from));
                    end = to;
                }

                break;
        }
    }

    public static bool TryDecode(ref FrameReader reader, out ReconcileMessage? message, out BinaryReject reason, out string? detail)
    {
        message = null;
        if (!reader.Byte(out var flags) || !reader.VarInt(out var session) || !reader.VarInt(0, long.MaxValue, out var received))
        {
            return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "the reconcile header");
        }

        if ((flags & ~(FromInitiatorFlag | OpenFlag | MoreFlag | EndFlag)) != 0)
        {
            return BinaryRejects.Invalid(out reason, out detail, "reconcile", $"unknown reconcile flags {flags}");
        }

        byte[]? salt = null;
        if ((flags & OpenFlag) != 0)
        {
            if (!reader.Bytes(RangeSum.SaltLength, out var saltBytes))
            {
                return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "the salt");
            }

            salt = saltBytes.ToArray();
        }

        if (!reader.Count(MaxItems, 3, out var count))
        {
            return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "the item count");
        }

        var items = new List<ReconcileItem>(count);
        for (var i = 0; i < count; i++)
        {
            if (!TryDecodeItem(ref reader, out var item, out reason, out detail))
            {
                return false;
            }

            items.Add(item!);
        }

        message = new ReconcileMessage(session, (flags & FromInitiatorFlag) != 0, salt, (flags & MoreFlag) != 0, (flags & EndFlag) != 0, received, items);
        reason = BinaryReject.None;
        detail = null;
        return true;
    }

    private static bool TryDecodeItem(ref FrameReader reader, out ReconcileItem? item, out BinaryReject reason, out string? detail)
    {
        item = null;
        if (!reader.Byte(out var kind))
        {
            return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "an item kind");
        }

        switch ((ReconcileItemKind)kind)
        {
            case ReconcileItemKind.FeedFingerprint:
                if (!TryPrefix(ref reader, out var range) || !TryFingerprint(ref reader, out var count, out var fingerprint))
                {
                    return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "a feed fingerprint");
                }

                item = new FeedFingerprintItem(range, count, fingerprint);
                break;
            case ReconcileItemKind.FeedSummaries:
                if (!TryPrefix(ref reader, out var listed) || !reader.Count(MaxSummaries, NodeId.ByteLength + 18, out var feeds))
                {
                    return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "a feed list");
                }

                var summaries = new List<FeedSummaryItem>(feeds);
                for (var i = 0; i < feeds; i++)
                {
                    if (!reader.Id(out var origin) || !reader.VarInt(0, MaxSeq, out var high) || !TryGaps(ref reader, high, out var gaps)
                        || !TryHash16(ref reader, out var feedPrint))
                    {
                        return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "a feed summary");
                    }

                    if (!listed.Contains(Reconciliation.FeedSnapshot.Key(origin)))
                    {
                        return BinaryRejects.Invalid(out reason, out detail, "reconcile", "a summarized feed outside its range");
                    }

                    summaries.Add(new FeedSummaryItem(origin, high, gaps, feedPrint));
                }

                item = new FeedSummariesItem(listed, summaries);
                break;
            case ReconcileItemKind.SeqFingerprint:
                if (!reader.Id(out var seqOrigin) || !TryRange(ref reader, out var from, out var to) || !TryFingerprint(ref reader, out var seqCount, out var seqPrint))
                {
                    return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "a seq fingerprint");
                }

                item = new SeqFingerprintItem(seqOrigin, from, to, seqCount, seqPrint);
                break;
            case ReconcileItemKind.SeqList:
                if (!reader.Id(out var listOrigin) || !TryRange(ref reader, out var listFrom, out var listTo) || !reader.Count(MaxSeqEntries, 9, out var entries))
                {
                    return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "a seq list");
                }

                var list = new List<SeqEntry>(entries);
                var previous = listFrom - 1;
                for (var i = 0; i < entries; i++)
                {
                    if (!reader.VarInt(0, listTo - previous - 1, out var delta) || !reader.Fixed64(out var entryPrint))
                    {
                        return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "a seq list entry");
                    }

                    previous += delta + 1;
                    list.Add(new SeqEntry(previous, entryPrint));
                }

                item = new SeqListItem(listOrigin, listFrom, listTo, list);
                break;
            case ReconcileItemKind.Need:
                if (!reader.Id(out var needOrigin) || !reader.Count(MaxNeedRanges, 2, out var ranges))
                {
                    return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "a need");
                }

                var needed = new List<(long, long)>(ranges);
                var end = 0L;
                for (var i = 0; i < ranges; i++)
                {
                    if (!reader.VarInt(0, MaxSeq - end - 1, out var gap) || !reader.VarInt(0, MaxSeq - end - gap - 1, out var length))
                    {
                        return BinaryRejects.Fail(ref reader, out reason, out detail, "reconcile", "a needed range");
                    }

                    var start = end + gap + 1;
                    end = start + length;
                    needed.Add((start, end));
                }

                item = new NeedItem(needOrigin, needed);
                break;
            default:
                return BinaryRejects.Invalid(out reason, out detail, "reconcile", $"unknown reconcile item kind {kind}");
        }

        reason = BinaryReject.None;
        detail = null;
        return true;
    }

    private static void Prefix(FrameWriter writer, OriginPrefix range)
    {
        writer.Byte((byte)range.Depth);
        var bits = range.Depth % 2 == 1 ? range.Bits << 4 : range.Bits;
        for (var i = ((range.Depth + 1) / 2) - 1; i >= 0; i--)
        {
            writer.Byte((byte)(bits >> (8 * i)));
        }
    }

    private static bool TryPrefix(ref FrameReader reader, out OriginPrefix range)
    {
        range = default;
        if (!reader.Byte(out var depth) || depth > OriginPrefix.MaxDepth || !reader.Bytes((depth + 1) / 2, out var bytes))
        {
            return false;
        }

        UInt128 bits = 0;
        foreach (var b in bytes)
        {
            bits = (bits << 8) | b;
        }

        if (depth % 2 == 1)
        {
            if ((bits & 0xF) != 0)
            {
                return false;
            }

            bits >>= 4;
        }

        range = new OriginPrefix(depth, bits);
        return true;
    }

    private static void Fingerprint(FrameWriter writer, long count, UInt128 fingerprint)
    {
        writer.VarInt((ulong)count);
        if (count > 0)
        {
            Hash16(writer, fingerprint);
        }
    }

    private static bool TryFingerprint(ref FrameReader reader, out long count, out UInt128 fingerprint)
    {
        fingerprint = new RangeSum().Fingerprint();
        return reader.VarInt(0, long.MaxValue, out count) && (count == 0 || TryHash16(ref reader, out fingerprint));
    }

    private static void Hash16(FrameWriter writer, UInt128 value)
    {
        writer.Fixed64((ulong)value);
        writer.Fixed64((ulong)(value >> 64));
    }

    private static bool TryHash16(ref FrameReader reader, out UInt128 value)
    {
        value = 0;
        if (!reader.Fixed64(out var low) || !reader.Fixed64(out var high))
        {
            return false;
        }

        value = new UInt128(high, low);
        return true;
    }

    private static void Range(FrameWriter writer, long from, long to)
    {
        writer.VarInt((ulong)from);
        writer.VarInt((ulong)(to - from));
    }

    private static bool TryRange(ref FrameReader reader, out long from, out long to)
    {
        to = 0;
        if (!reader.VarInt(1, MaxSeq, out from) || !reader.VarInt(0, MaxSeq - from, out var length))
        {
            return false;
        }

        to = from + length;
        return true;
    }

    /// <summary>Gaps as count + 1 (0: not listed) and (start − previous end − 1, length − 1) pairs.</summary>
    private static void Gaps(FrameWriter writer, long[]? gaps)
    {
        if (gaps is null)
        {
            writer.VarInt(0);
            return;
        }

        writer.VarInt((ulong)(gaps.Length / 2) + 1);
        var end = 0L;
        for (var i = 0; i + 1 < gaps.Length; i += 2)
        {
            writer.VarInt((ulong)(gaps[i] - end - 1));
            writer.VarInt((ulong)(gaps[i + 1] - gaps[i]));
            end = gaps[i + 1];
        }
    }

    private static bool TryGaps(ref FrameReader reader, long high, out long[]? gaps)
    {
        gaps = null;
        if (!reader.VarInt(0, MaxGaps + 1, out var listed))
        {
            return false;
        }

        if (listed == 0)
        {
            return true;
        }

        gaps = new long[(listed - 1) * 2];
        var end = 0L;
        for (var i = 0; i < gaps.Length; i += 2)
        {
            // Every gap lies below high: the feed holds high itself.
            if (!reader.VarInt(0, high - end - 2, out var skip) || !reader.VarInt(0, high - (end + skip + 1) - 1, out var length))
            {
                return false;
            }

            gaps[i] = end + skip + 1;
            gaps[i + 1] = end = gaps[i] + length;
        }

        return true;
    }
}

/// <summary>Encoded sizes of reconciliation items, for a step's byte budget.</summary>
public static class ReconcileItemSizes
{
    [ThreadStatic]
    private static FrameWriter? t_scratch;

    public static int Of(ReconcileItem item)
    {
        var writer = t_scratch ??= new FrameWriter();
        writer.Reset();
        ReconcileCodec.EncodeItem(writer, item);
        return writer.Length;
    }
}
