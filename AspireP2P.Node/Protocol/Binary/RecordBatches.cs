using System.Diagnostics;
using AspireP2P.Node.Records;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// Between entries and <see cref="RecordBatch"/> frames. A sender groups the entries it sends (in log order) by the
/// signature that covers them, so entries published together travel together; the receiver opens a frame back into
/// entries, each with its own path, as if they had come one by one, plus the root its signature is to be checked over.
/// </summary>
public static class RecordBatches
{
    /// <summary>Consecutive entries under one signature (one origin's signed batch), in order.</summary>
    public static IEnumerable<List<Entry>> Group(IEnumerable<Entry> entries)
    {
        List<Entry>? group = null;
        foreach (var entry in entries)
        {
            if (group is not null && (group[0].Origin != entry.Origin || group[0].LeafCount != entry.LeafCount
                || !group[0].Signature.AsSpan().SequenceEqual(entry.Signature) || group[^1].LeafIndex >= entry.LeafIndex))
            {
                yield return group;
                group = null;
            }

            (group ??= []).Add(entry);
        }

        if (group is not null)
        {
            yield return group;
        }
    }

    /// <summary>
    /// The frame for one group (<see cref="Group"/>): its entries with this hop count and trace context, the public key
    /// when given (the peer may lack it), and the multiproof of the leaves not sent. Null when the entries' paths do not
    /// make a proof (they are not of one batch).
    /// </summary>
    public static RecordBatch? Build(IReadOnlyList<Entry> group, byte[]? publicKey, bool sync, Func<Entry, (int Hops, ActivityContext? Trace, string? Tracestate)> relay)
    {
        var first = group[0];
        var proof = group.Count == first.LeafCount
            ? []
            : MerkleMultiproof.Build(first.LeafCount, [.. group.Select(e => (int)e.LeafIndex)], [.. group.Select(e => e.Proof)]);
        if (proof is null)
        {
            return null;
        }

        var entries = group.Select(e =>
        {
            var (hops, trace, tracestate) = relay(e);
            return new BatchEntry(e.LeafIndex, e.Seq, e.CreatedAtMs, e.Flags, e.Key, e.Value, hops, trace, tracestate);
        }).ToList();
        return new RecordBatch(first.Origin, publicKey, first.Signature, first.LeafCount, entries, proof, sync);
    }

    /// <summary>
    /// Opens a received frame: each entry's leaf recomputed from its fields, the root from the leaves and the proof,
    /// each entry's own path. False when the proof does not fit the leaves (then no signature can match: refuse the frame).
    /// The caller checks the signature over <paramref name="root"/> once, and stores the entries.
    /// </summary>
    public static bool TryOpen(RecordBatch batch, out List<Entry> entries, out byte[] root)
    {
        entries = [];
        root = new byte[EntrySignature.HashLength];
        var leaves = new byte[batch.Entries.Count * EntrySignature.HashLength];
        var indices = new int[batch.Entries.Count];
        for (var i = 0; i < batch.Entries.Count; i++)
        {
            var entry = batch.Entries[i];
            indices[i] = entry.LeafIndex;
            EntrySignature.LeafHash(batch.Origin, entry.Seq, entry.CreatedAtMs, entry.Flags, entry.KeyOf(batch.Origin), entry.Value,
                leaves.AsSpan(i * EntrySignature.HashLength, EntrySignature.HashLength));
        }

        if (!MerkleMultiproof.TryComputeRoot(batch.LeafCount, indices, leaves, batch.Proof, root, out var paths))
        {
            return false;
        }

        for (var i = 0; i < batch.Entries.Count; i++)
        {
            var entry = batch.Entries[i];
            entries.Add(new Entry
            {
                Origin = batch.Origin,
                Seq = entry.Seq,
                CreatedAtMs = entry.CreatedAtMs,
                Flags = entry.Flags,
                Key = entry.KeyOf(batch.Origin),
                Value = entry.Value,
                Signature = batch.Signature,
                Proof = paths[i],
                LeafIndex = (ushort)entry.LeafIndex,
                LeafCount = (ushort)batch.LeafCount,
                TraceId = entry.Trace?.TraceId,
                Hops = entry.Hops,
            });
        }

        return true;
    }
}
