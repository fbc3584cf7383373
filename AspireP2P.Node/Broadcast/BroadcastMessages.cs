using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Broadcast;

/// <summary>A record's identity everywhere: its origin's feed and its seq there.</summary>
public readonly record struct RecordId(NodeId Origin, long Seq);

/// <summary>Seq ranges of one origin's feed (sorted, disjoint, inclusive): what an announcement or a graft names.</summary>
public sealed record OriginSeqs(NodeId Origin, IReadOnlyList<(long From, long To)> Ranges);

/// <summary>Lazy push: "I have these records" (Plumtree's IHAVE), batched per link, ranges per origin.</summary>
public sealed record IHaveMessage(IReadOnlyList<OriginSeqs> Records);

/// <summary>"Send me these records, and from now on send this origin's records to me in full on this link."</summary>
public sealed record GraftMessage(IReadOnlyList<OriginSeqs> Records);

/// <summary>"I received these origins' records twice: only announce them on this link from now on."</summary>
public sealed record PruneMessage(IReadOnlyList<NodeId> Origins);
