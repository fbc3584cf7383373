using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;

namespace AspireP2P.Node.Trust;

/// <summary>
/// What an origin signs, byte for byte. Each entry is a leaf: SHA-256 over a domain tag and the entry's fields as
/// published — origin, seq, creation time, flags, key, and the value's JSON exactly as it travels (never re-serialized,
/// so no node has to reproduce anyone's JSON printer). The origin signs a root: the leaf itself when it signs one entry,
/// or the Merkle root of a batch of entries published together (Hypercore signs its tree root the same way), so one
/// signature can cover many records; each entry then carries its path to the root.
/// </summary>
public static class EntrySignature
{
    public const int HashLength = 32;

    private static ReadOnlySpan<byte> LeafTag => "aspirep2p/leaf/v1\n"u8;
    private static ReadOnlySpan<byte> NodeTag => "aspirep2p/node/v1\n"u8;
    private static ReadOnlySpan<byte> RootTag => "aspirep2p/root/v1\n"u8;

    /// <summary>Most leaves one signature may cover (the path of a leaf is then at most 8 hashes).</summary>
    public const int MaxBatch = 256;

    public static void LeafHash(NodeId origin, long seq, long createdAtMs, EntryTraits flags, string key, ReadOnlySpan<byte> value, Span<byte> hash)
    {
        var keyLength = Encoding.UTF8.GetByteCount(key);
        var length = LeafTag.Length + NodeId.ByteLength + 8 + 8 + 1 + 4 + keyLength + 4 + value.Length;
        byte[]? rented = null;
        var buffer = length <= 2048 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            LeafTag.CopyTo(buffer);
            var at = LeafTag.Length;
            origin.Write(buffer[at..]);
            at += NodeId.ByteLength;
            BinaryPrimitives.WriteInt64BigEndian(buffer[at..], seq);
            at += 8;
            BinaryPrimitives.WriteInt64BigEndian(buffer[at..], createdAtMs);
            at += 8;
            buffer[at++] = (byte)flags;
            BinaryPrimitives.WriteInt32BigEndian(buffer[at..], keyLength);
            at += 4;
            at += Encoding.UTF8.GetBytes(key, buffer[at..]);
            BinaryPrimitives.WriteInt32BigEndian(buffer[at..], value.Length);
            at += 4;
            value.CopyTo(buffer[at..]);
            SHA256.HashData(buffer, hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public static byte[] LeafHash(Entry entry)
    {
        var hash = new byte[HashLength];
        LeafHash(entry.Origin, entry.Seq, entry.CreatedAtMs, entry.Flags, entry.Key, entry.Value, hash);
        return hash;
    }

    /// <summary>The bytes the origin's key signs for a root.</summary>
    public static void SignedMessage(NodeId origin, ReadOnlySpan<byte> root, Span<byte> message)
    {
        RootTag.CopyTo(message);
        origin.Write(message[RootTag.Length..]);
        root.CopyTo(message[(RootTag.Length + NodeId.ByteLength)..]);
    }

    public static int SignedMessageLength => RootTag.Length + NodeId.ByteLength + HashLength;

    /// <summary>Recomputes the root from a leaf and its path; false when the path does not fit the leaf's place in the batch.</summary>
    public static bool TryComputeRoot(ReadOnlySpan<byte> leaf, ReadOnlySpan<byte> proof, int index, int count, Span<byte> root)
    {
        if (count < 1 || count > MaxBatch || index < 0 || index >= count || proof.Length % HashLength != 0)
        {
            return false;
        }

        Span<byte> current = stackalloc byte[HashLength];
        leaf.CopyTo(current);
        var used = 0;
        var width = count;
        while (width > 1)
        {
            var sibling = index ^ 1;
            if (sibling < width)
            {
                if (used + HashLength > proof.Length)
                {
                    return false;
                }

                var other = proof.Slice(used, HashLength);
                used += HashLength;
                if ((index & 1) == 0)
                {
                    Combine(current, other, current);
                }
                else
                {
                    Combine(other, current, current);
                }
            }

            // The last node of an odd level has no sibling: it moves up unchanged.
            index >>= 1;
            width = (width + 1) >> 1;
        }

        if (used != proof.Length)
        {
            return false;
        }

        current.CopyTo(root);
        return true;
    }

    /// <summary>Builds the Merkle tree over a batch's leaves: its root, and each leaf's path to it.</summary>
    public static (byte[] Root, byte[][] Proofs) Build(IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count is < 1 or > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(leaves), leaves.Count, $"a batch has 1 to {MaxBatch} leaves");
        }

        var proofs = new List<byte>[leaves.Count];
        for (var i = 0; i < proofs.Length; i++)
        {
            proofs[i] = [];
        }

        // members[j] = the leaves under node j of the current level.
        var level = leaves.Select(l => l.ToArray()).ToList();
        var members = Enumerable.Range(0, leaves.Count).Select(i => new List<int> { i }).ToList();
        while (level.Count > 1)
        {
            var next = new List<byte[]>();
            var nextMembers = new List<List<int>>();
            for (var j = 0; j < level.Count; j += 2)
            {
                if (j + 1 == level.Count)
                {
                    next.Add(level[j]);
                    nextMembers.Add(members[j]);
                    continue;
                }

                foreach (var leaf in members[j])
                {
                    proofs[leaf].AddRange(level[j + 1]);
                }

                foreach (var leaf in members[j + 1])
                {
                    proofs[leaf].AddRange(level[j]);
                }

                var parent = new byte[HashLength];
                Combine(level[j], level[j + 1], parent);
                next.Add(parent);
                nextMembers.Add([.. members[j], .. members[j + 1]]);
            }

            level = next;
            members = nextMembers;
        }

        return (level[0], proofs.Select(p => p.ToArray()).ToArray());
    }

    internal static void Combine(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> parent)
    {
        Span<byte> buffer = stackalloc byte[NodeTag.Length + 2 * HashLength];
        NodeTag.CopyTo(buffer);
        left.CopyTo(buffer[NodeTag.Length..]);
        right.CopyTo(buffer[(NodeTag.Length + HashLength)..]);
        SHA256.HashData(buffer, parent);
    }
}
