using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// A node's side of a session: the feeds as published when the session started, leaf hashes read from the record log
/// (only ever for a feed whose content differs: a page of rows, each decoded and hashed), and the live feed index to drop
/// from a need what arrived in the meantime. <paramref name="liveSummary"/> must be safe to call from the session's thread
/// (the store takes its lock for it).
/// </summary>
public sealed class ReconcileView(FeedSnapshot feeds, IRecordLog log, Func<NodeId, FeedSummary?> liveSummary) : IReconcileView
{
    private readonly LogRow[] _rows = new LogRow[64];

    public FeedSnapshot Feeds => feeds;

    public int ReadLeaves(NodeId origin, long fromSeq, long toSeq, Span<SeqLeaf> page)
    {
        var filled = 0;
        Span<byte> leaf = stackalloc byte[EntrySignature.HashLength];
        while (filled < page.Length && fromSeq <= toSeq)
        {
            var read = log.ReadFeed(origin, fromSeq, toSeq, _rows.AsSpan(0, Math.Min(_rows.Length, page.Length - filled)));
            for (var i = 0; i < read; i++)
            {
                var entry = EntryCodec.Decode(_rows[i].Blob);
                EntrySignature.LeafHash(entry.Origin, entry.Seq, entry.CreatedAtMs, entry.Flags, entry.Key, entry.Value, leaf);
                page[filled++] = SeqLeaf.Of(entry.Seq, leaf);
            }

            if (read == 0)
            {
                break;
            }

            fromSeq = _rows[read - 1].Seq + 1;
        }

        return filled;
    }

    public void TrimHeld(NodeId origin, List<(long From, long To)> ranges)
    {
        if (liveSummary(origin) is not { } summary)
        {
            return;
        }

        var missing = SeqRanges.Subtract(ranges, SeqRanges.Held(summary.High, summary.Gaps));
        ranges.Clear();
        ranges.AddRange(missing);
    }
}
