using System.Diagnostics;
using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Records;

[Flags]
public enum EntryTraits : byte
{
    None = 0,

    /// <summary>
    /// The record came from a node that cannot sign (the tutorial's): its author is unknown. The feed owner
    /// (<see cref="Entry.Origin"/>) only witnesses that it received it, and signs that. Shown as unverified.
    /// </summary>
    Adopted = 1,
}

/// <summary>
/// One entry of a feed: the record at <see cref="Seq"/> in the feed of <see cref="Origin"/>, signed by the origin.
/// (Origin, Seq) is the entry's identity everywhere; an origin never issues a sequence number twice. The value is kept
/// as the raw UTF-8 JSON it was published with and is never re-serialized, so the signature covers the bytes that
/// travel and every node serves exactly those bytes.
/// </summary>
public sealed class Entry
{
    public required NodeId Origin { get; init; }

    public required long Seq { get; init; }

    /// <summary>When the origin created it (its clock, Unix ms). Shown and measured; it decides nothing.</summary>
    public required long CreatedAtMs { get; init; }

    public EntryTraits Flags { get; init; }

    public required string Key { get; init; }

    public required byte[] Value { get; init; }

    /// <summary>Ed25519 signature by the origin over the root that covers this entry (<see cref="Trust.EntrySignature"/>).</summary>
    public required byte[] Signature { get; init; }

    /// <summary>Merkle path from this entry's leaf to the signed root: empty when the origin signed this entry alone.</summary>
    public byte[] Proof { get; init; } = [];

    /// <summary>This entry's leaf index in the batch the origin signed, and the number of leaves in it.</summary>
    public ushort LeafIndex { get; init; }

    public ushort LeafCount { get; init; } = 1;

    /// <summary>The trace this record's propagation belongs to (decided at publish), if it was traced.</summary>
    public ActivityTraceId? TraceId { get; init; }

    /// <summary>Links the record crossed from its origin to this node (0 = published here). Local, not signed.</summary>
    public int Hops { get; init; }

    public bool IsAdopted => (Flags & EntryTraits.Adopted) != 0;

    private byte[]? _leaf;

    /// <summary>
    /// The leaf hash the origin signed (<see cref="Trust.EntrySignature.LeafHash(Entry)"/>): computed once per entry, by
    /// whoever builds it (the publisher and the intake have it already, from signing or verifying) or on first use.
    /// </summary>
    public byte[] Leaf
    {
        get => Volatile.Read(ref _leaf) ?? (_leaf = Trust.EntrySignature.LeafHash(this));
        init => _leaf = value;
    }

    /// <summary>The text record key of an authored entry: <c>&lt;origin&gt;-&lt;seq&gt;</c>.</summary>
    public static string KeyFor(NodeId origin, long seq) => $"{origin}-{seq.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
