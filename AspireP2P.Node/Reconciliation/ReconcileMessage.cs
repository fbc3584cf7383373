using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// One message of a reconciliation session, either way. The initiator's first one opens the session (<see cref="Salt"/>
/// set); the responder answers every message; the initiator ends the session (<see cref="End"/>) once neither side has
/// anything left. <see cref="More"/>: the sender has work it could not fit in this message (a step's byte or CPU budget),
/// so the other side must answer even if it has nothing to say. <see cref="Received"/> is how many records the sender had
/// received on the link when it built its view, so the other side does not push what is still in flight to it.
/// </summary>
public sealed record ReconcileMessage(
    ulong Session, bool FromInitiator, byte[]? Salt, bool More, bool End, long Received, IReadOnlyList<ReconcileItem> Items);

/// <summary>Kinds of reconciliation items. Append only: the numbers are on the wire.</summary>
public enum ReconcileItemKind : byte
{
    /// <summary>A range of feeds by its fingerprint: the receiver answers only if its own differs.</summary>
    FeedFingerprint = 1,

    /// <summary>Every feed the sender holds in a range, summarized: the receiver pushes what the sender lacks and names what it needs.</summary>
    FeedSummaries = 2,

    /// <summary>A seq range of one feed by its fingerprint (a feed whose content differs, or whose gaps are too many to list).</summary>
    SeqFingerprint = 3,

    /// <summary>Every entry the sender holds in a seq range of one feed, with its salted leaf fingerprint.</summary>
    SeqList = 4,

    /// <summary>Seq ranges of one feed the sender needs (lacks, or holds with other content): the receiver pushes them. Needs no answer.</summary>
    Need = 5,
}

public abstract record ReconcileItem(ReconcileItemKind Kind);

public sealed record FeedFingerprintItem(OriginPrefix Range, long Count, UInt128 Fingerprint) : ReconcileItem(ReconcileItemKind.FeedFingerprint);

public sealed record FeedSummariesItem(OriginPrefix Range, IReadOnlyList<FeedSummaryItem> Feeds) : ReconcileItem(ReconcileItemKind.FeedSummaries);

/// <summary>One feed in a summary list: its seqs (high and gaps; null gaps: too many to list) and its salted fingerprint.</summary>
public sealed record FeedSummaryItem(NodeId Origin, long High, long[]? Gaps, UInt128 Fingerprint);

public sealed record SeqFingerprintItem(NodeId Origin, long From, long To, long Count, UInt128 Fingerprint) : ReconcileItem(ReconcileItemKind.SeqFingerprint);

public sealed record SeqListItem(NodeId Origin, long From, long To, IReadOnlyList<SeqEntry> Entries) : ReconcileItem(ReconcileItemKind.SeqList);

/// <summary>An entry in a seq list: its seq and the first 8 bytes of its salted leaf hash.</summary>
public readonly record struct SeqEntry(long Seq, ulong Fingerprint);

public sealed record NeedItem(NodeId Origin, IReadOnlyList<(long From, long To)> Ranges) : ReconcileItem(ReconcileItemKind.Need);

/// <summary>Entries of one feed this node should send the peer: those it holds with from ≤ seq ≤ to (as catch-up copies, checked for conflicts).</summary>
public readonly record struct PushRange(NodeId Origin, long From, long To);
