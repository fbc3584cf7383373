using System.Diagnostics;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;

namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// Entries of one origin that its one signature covers (one batch it signed), in one frame: the signature once, the
/// origin's public key only when the peer may lack it, the entries' fields with their leaf indices, and a
/// <see cref="Trust.MerkleMultiproof"/> for the leaves not sent (none when the whole batch is). The receiver recomputes
/// every leaf from the fields and the root from the leaves and the proof, and checks the signature once.
/// <see cref="Sync"/>: catch-up copies (stored without a span each, checked for conflicts).
/// </summary>
public sealed record RecordBatch(
    NodeId Origin, byte[]? PublicKey, byte[] Signature, int LeafCount, IReadOnlyList<BatchEntry> Entries, byte[] Proof, bool Sync);

/// <summary>
/// One entry of a <see cref="RecordBatch"/>. <see cref="Key"/> is null when it is the entry's own key,
/// <c>&lt;origin&gt;-&lt;seq&gt;</c> (derived, not sent). The trace context is the sender's "send records" span, in binary.
/// </summary>
public sealed record BatchEntry(
    int LeafIndex, long Seq, long CreatedAtMs, EntryTraits Flags, string? Key, byte[] Value, int Hops, ActivityContext? Trace, string? Tracestate)
{
    public string KeyOf(NodeId origin) => Key ?? Entry.KeyFor(origin, Seq);
}
