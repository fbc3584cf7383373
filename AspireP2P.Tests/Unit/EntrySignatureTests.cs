using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// What an origin signs: a leaf hash over the entry's exact bytes (so every node, whatever its JSON printer, checks the
/// same bytes), and a Merkle root over a batch of leaves, each leaf carrying its path to the root.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class EntrySignatureTests
{
    private static readonly NodeId Origin = new(0x0123456789abcdef, 0xfedcba9876543210);

    [Theory]
    [InlineData("\"short\"")]
    [InlineData(null)]
    public void TheLeafIsTheSha256OfTheDocumentedLayout(string? value)
    {
        // A value over 2 KiB takes the pooled-buffer path; both must hash the same layout.
        var json = value ?? "\"" + new string('x', 5000) + "\"";
        var valueBytes = Encoding.UTF8.GetBytes(json);
        var key = "clé-7";
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var expected = new List<byte>();
        expected.AddRange("aspirep2p/leaf/v1\n"u8.ToArray());
        var id = new byte[16];
        Origin.Write(id);
        expected.AddRange(id);
        expected.AddRange(BigEndian(7L));
        expected.AddRange(BigEndian(1_700_000_000_123L));
        expected.Add(1);
        expected.AddRange(BigEndian(keyBytes.Length));
        expected.AddRange(keyBytes);
        expected.AddRange(BigEndian(valueBytes.Length));
        expected.AddRange(valueBytes);

        var leaf = new byte[EntrySignature.HashLength];
        EntrySignature.LeafHash(Origin, 7, 1_700_000_000_123, EntryTraits.Adopted, key, valueBytes, leaf);

        Assert.Equal(SHA256.HashData(expected.ToArray()), leaf);
    }

    [Fact]
    public void EqualJsonWithDifferentBytesIsADifferentLeaf()
    {
        // The signature covers the value as it travels; nobody re-serializes it, so nobody can change its bytes unnoticed.
        Assert.NotEqual(Leaf(value: "{\"a\":1}"), Leaf(value: "{\"a\": 1}"));
        Assert.NotEqual(Leaf(value: "1.0"), Leaf(value: "1"));
    }

    [Fact]
    public void EverySignedFieldChangesTheLeaf()
    {
        var leaves = new[]
        {
            Leaf(),
            Leaf(origin: new NodeId(1, 1)),
            Leaf(seq: 8),
            Leaf(createdAt: 1),
            Leaf(flags: EntryTraits.Adopted),
            Leaf(key: "other"),
            Leaf(value: "\"other\""),
        };

        Assert.Equal(leaves.Length, leaves.Select(Convert.ToHexString).Distinct().Count());
        Assert.Equal(Leaf(), Leaf());
    }

    [Fact]
    public void TheLeafFieldsAreFramedSoBytesCannotMoveBetweenKeyAndValue()
    {
        Assert.NotEqual(Leaf(key: "ab", value: "\"c\""), Leaf(key: "a", value: "b\"c\""));
    }

    public static TheoryData<int> BatchSizes => [.. Enumerable.Range(1, 17)];

    [Theory]
    [MemberData(nameof(BatchSizes))]
    public void EveryLeafOfABatchLeadsToItsRoot(int count)
    {
        var leaves = Leaves(count);

        var (root, proofs) = EntrySignature.Build(leaves);

        Assert.Equal(count, proofs.Length);
        var depth = (int)Math.Ceiling(Math.Log2(count));
        for (var i = 0; i < count; i++)
        {
            var computed = new byte[EntrySignature.HashLength];
            Assert.True(EntrySignature.TryComputeRoot(leaves[i], proofs[i], i, count, computed), $"leaf {i} of {count}");
            Assert.Equal(root, computed);
            Assert.True(proofs[i].Length <= depth * EntrySignature.HashLength, $"leaf {i} of {count}: a path of {proofs[i].Length} bytes");
        }

        if (count == 1)
        {
            Assert.Equal(leaves[0], root);
            Assert.Empty(proofs[0]);
        }
    }

    [Theory]
    [MemberData(nameof(BatchSizes))]
    public void APathForAnotherPlaceOrAnotherLeafDoesNotLeadToTheRoot(int count)
    {
        // (The batch size only shapes the path and is not signed: leaf 0 of 5 read as leaf 0 of 6 follows the same path to
        // the same root. That proves nothing new: the leaf, hence everything signed about the entry, is unchanged.)
        var leaves = Leaves(count);
        var (root, proofs) = EntrySignature.Build(leaves);

        for (var i = 0; i < count; i++)
        {
            Assert.False(LeadsToRoot(root, leaves[i], proofs[i], (i + 1) % count == i ? count : (i + 1) % count, count), $"leaf {i} as another index");
            Assert.False(LeadsToRoot(root, Flip(leaves[i], 0), proofs[i], i, count), $"leaf {i} tampered");
            if (proofs[i].Length > 0)
            {
                Assert.False(LeadsToRoot(root, leaves[i], Flip(proofs[i], proofs[i].Length - 1), i, count), $"path of leaf {i} tampered");
                Assert.False(LeadsToRoot(root, leaves[i], proofs[i][..^EntrySignature.HashLength], i, count), $"path of leaf {i} cut short");
            }

            Assert.False(LeadsToRoot(root, leaves[i], [.. proofs[i], .. new byte[EntrySignature.HashLength]], i, count), $"path of leaf {i} too long");
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-1, 4)]
    [InlineData(4, 4)]
    [InlineData(0, EntrySignature.MaxBatch + 1)]
    public void ImpossiblePlacesInABatchAreRefused(int index, int count)
    {
        var root = new byte[EntrySignature.HashLength];
        Assert.False(EntrySignature.TryComputeRoot(new byte[32], [], index, count, root));
    }

    [Fact]
    public void APathThatIsNotWholeHashesIsRefused() =>
        Assert.False(EntrySignature.TryComputeRoot(new byte[32], new byte[33], 0, 2, new byte[32]));

    [Theory]
    [InlineData(0)]
    [InlineData(EntrySignature.MaxBatch + 1)]
    public void ABatchHasOneToMaxBatchLeaves(int count) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => EntrySignature.Build(Leaves(count)));

    [Fact]
    public void TheSignedMessageNamesTheOriginSoARootCannotBeClaimedForAnotherFeed()
    {
        var root = Leaves(1)[0];
        var mine = new byte[EntrySignature.SignedMessageLength];
        var theirs = new byte[EntrySignature.SignedMessageLength];

        EntrySignature.SignedMessage(Origin, root, mine);
        EntrySignature.SignedMessage(new NodeId(1, 1), root, theirs);

        Assert.NotEqual(mine, theirs);
        Assert.True(mine.AsSpan().EndsWith(root));
    }

    private static byte[] Leaf(NodeId? origin = null, long seq = 7, long createdAt = 1_700_000_000_000, EntryTraits flags = EntryTraits.None, string key = "k", string value = "\"v\"")
    {
        var leaf = new byte[EntrySignature.HashLength];
        EntrySignature.LeafHash(origin ?? Origin, seq, createdAt, flags, key, Encoding.UTF8.GetBytes(value), leaf);
        return leaf;
    }

    private static List<byte[]> Leaves(int count) => Enumerable.Range(1, count).Select(i => Leaf(seq: i, value: i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();

    private static bool LeadsToRoot(byte[] root, byte[] leaf, byte[] proof, int index, int count)
    {
        var computed = new byte[EntrySignature.HashLength];
        return EntrySignature.TryComputeRoot(leaf, proof, index, count, computed) && computed.AsSpan().SequenceEqual(root);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x01;
        return copy;
    }

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }
}
