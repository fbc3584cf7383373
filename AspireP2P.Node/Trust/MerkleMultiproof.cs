namespace AspireP2P.Node.Trust;

/// <summary>
/// One proof for several leaves of a signed batch (the tree of <see cref="EntrySignature"/>): the fewest node hashes the
/// receiver cannot compute from the leaves it got, level by level from the leaves up, left to right. All the batch's
/// leaves: no hash at all (the receiver recomputes the root). One leaf: its own path. A run of leaves: a few hashes at
/// its edges. So a frame carries one signature and at most a path's worth of hashes per batch, not one path per entry.
/// </summary>
public static class MerkleMultiproof
{
    private const int HashLength = EntrySignature.HashLength;

    /// <summary>
    /// The multiproof for the leaves at <paramref name="indices"/> (ascending) of a batch of <paramref name="count"/>,
    /// taken from those leaves' own paths (<paramref name="paths"/>, as each entry stores it). Null when the paths do
    /// not cover what is needed (they are not the paths of these leaves in this batch).
    /// </summary>
    public static byte[]? Build(int count, IReadOnlyList<int> indices, IReadOnlyList<byte[]> paths)
    {
        // Every sibling hash each leaf's path holds, by (level, index).
        var known = new Dictionary<(int, int), byte[]>();
        for (var k = 0; k < indices.Count; k++)
        {
            var (index, width, used) = (indices[k], count, 0);
            for (var level = 0; width > 1; level++)
            {
                var sibling = index ^ 1;
                if (sibling < width)
                {
                    if (used + HashLength > paths[k].Length)
                    {
                        return null;
                    }

                    known.TryAdd((level, sibling), paths[k].AsSpan(used, HashLength).ToArray());
                    used += HashLength;
                }

                index >>= 1;
                width = (width + 1) >> 1;
            }
        }

        var proof = new List<byte>();
        var present = new SortedSet<int>(indices);
        for (var (level, width) = (0, count); width > 1; level++, width = (width + 1) >> 1)
        {
            var next = new SortedSet<int>();
            foreach (var node in present)
            {
                var sibling = node ^ 1;
                if (sibling < width && !present.Contains(sibling))
                {
                    if (!known.TryGetValue((level, sibling), out var hash))
                    {
                        return null;
                    }

                    proof.AddRange(hash);
                }

                next.Add(node >> 1);
            }

            present = next;
        }

        return [.. proof];
    }

    /// <summary>
    /// Recomputes the batch's root from the leaves received (<paramref name="leaves"/>, 32 bytes each, at
    /// <paramref name="indices"/>, strictly ascending) and the multiproof, and each leaf's own path (to store the entry as
    /// if it had come alone). False when the proof does not fit: wrong length, indices out of the batch.
    /// </summary>
    public static bool TryComputeRoot(int count, IReadOnlyList<int> indices, ReadOnlySpan<byte> leaves, ReadOnlySpan<byte> proof, Span<byte> root, out byte[][] paths)
    {
        paths = [];
        if (count is < 1 or > EntrySignature.MaxBatch || indices.Count == 0 || leaves.Length != indices.Count * HashLength
            || proof.Length % HashLength != 0)
        {
            return false;
        }

        var nodes = new Dictionary<(int, int), byte[]>();
        var present = new List<int>(indices.Count);
        for (var k = 0; k < indices.Count; k++)
        {
            if (indices[k] < 0 || indices[k] >= count || (k > 0 && indices[k] <= indices[k - 1]))
            {
                return false;
            }

            nodes[(0, indices[k])] = leaves.Slice(k * HashLength, HashLength).ToArray();
            present.Add(indices[k]);
        }

        var used = 0;
        var level = 0;
        for (var width = count; width > 1; level++, width = (width + 1) >> 1)
        {
            var next = new List<int>();
            for (var i = 0; i < present.Count; i++)
            {
                var node = present[i];
                var sibling = node ^ 1;
                var parent = node >> 1;
                if (next.Count > 0 && next[^1] == parent)
                {
                    continue;
                }

                var mine = nodes[(level, node)];
                if (sibling >= width)
                {
                    nodes[(level + 1, parent)] = mine;
                }
                else
                {
                    if (!nodes.TryGetValue((level, sibling), out var other))
                    {
                        if (used + HashLength > proof.Length)
                        {
                            return false;
                        }

                        other = proof.Slice(used, HashLength).ToArray();
                        nodes[(level, sibling)] = other;
                        used += HashLength;
                    }

                    nodes[(level + 1, parent)] = (node & 1) == 0 ? Combine(mine, other) : Combine(other, mine);
                }

                next.Add(parent);
            }

            present = next;
        }

        if (used != proof.Length)
        {
            return false;
        }

        nodes[(level, 0)].CopyTo(root);
        paths = new byte[indices.Count][];
        for (var k = 0; k < indices.Count; k++)
        {
            var path = new List<byte>();
            var (index, width) = (indices[k], count);
            for (var at = 0; width > 1; at++)
            {
                if ((index ^ 1) < width)
                {
                    path.AddRange(nodes[(at, index ^ 1)]);
                }

                index >>= 1;
                width = (width + 1) >> 1;
            }

            paths[k] = [.. path];
        }

        return true;
    }

    private static byte[] Combine(byte[] left, byte[] right)
    {
        var parent = new byte[HashLength];
        EntrySignature.Combine(left, right, parent);
        return parent;
    }
}
