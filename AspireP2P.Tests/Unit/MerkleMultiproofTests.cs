using System.Security.Cryptography;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// One proof for any subset of a signed batch: built from the leaves' own paths, it gives back the batch's root and
/// each leaf's own path (what an entry stores), for every batch size and subset; anything altered gives another root or
/// no root at all.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class MerkleMultiproofTests
{
    [Fact]
    public void AnySubsetOfAnyBatchGivesBackTheRootAndEachLeafsPath()
    {
        var random = new Random(17);
        foreach (var count in Enumerable.Range(1, 40).Append(255).Append(256))
        {
            var leaves = Enumerable.Range(0, count).Select(i => SHA256.HashData(BitConverter.GetBytes(i * 7919 + count))).ToList();
            var (root, proofs) = EntrySignature.Build(leaves);
            for (var trial = 0; trial < 8; trial++)
            {
                var subset = Enumerable.Range(0, count).Where(_ => random.Next(3) == 0).DefaultIfEmpty(random.Next(count)).ToList();

                var proof = MerkleMultiproof.Build(count, subset, [.. subset.Select(i => proofs[i])]);

                Assert.NotNull(proof);
                var computed = new byte[32];
                Assert.True(MerkleMultiproof.TryComputeRoot(count, subset, [.. subset.SelectMany(i => leaves[i])], proof, computed, out var paths));
                Assert.Equal(root, computed);
                Assert.Equal(subset.Select(i => proofs[i]), paths);
                Assert.True(proof.Length <= subset.Count * proofs[subset[0]].Length);
            }

            Assert.Empty(MerkleMultiproof.Build(count, [.. Enumerable.Range(0, count)], proofs)!);
        }
    }

    [Fact]
    public void AnAlteredLeafOrProofGivesAnotherRootOrNone()
    {
        var leaves = Enumerable.Range(0, 10).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToList();
        var (root, proofs) = EntrySignature.Build(leaves);
        int[] subset = [2, 3, 7];
        var proof = MerkleMultiproof.Build(10, subset, [.. subset.Select(i => proofs[i])])!;
        var sent = subset.SelectMany(i => leaves[i]).ToArray();
        var computed = new byte[32];

        sent[40] ^= 1;
        Assert.True(MerkleMultiproof.TryComputeRoot(10, subset, sent, proof, computed, out _));
        Assert.NotEqual(root, computed);
        sent[40] ^= 1;
        Assert.False(MerkleMultiproof.TryComputeRoot(10, subset, sent, proof.AsSpan(0, proof.Length - 32), computed, out _));
        Assert.False(MerkleMultiproof.TryComputeRoot(10, subset, sent, [.. proof, .. new byte[32]], computed, out _));
        Assert.False(MerkleMultiproof.TryComputeRoot(10, [3, 2, 7], sent, proof, computed, out _));
        Assert.False(MerkleMultiproof.TryComputeRoot(10, [2, 3, 10], sent, proof, computed, out _));
        Assert.False(MerkleMultiproof.TryComputeRoot(300, subset, sent, proof, computed, out _));
    }

    [Fact]
    public void PathsOfAnotherBatchMakeNoProof()
    {
        var leaves = Enumerable.Range(0, 8).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToList();
        var (_, proofs) = EntrySignature.Build(leaves);

        Assert.Null(MerkleMultiproof.Build(16, [1, 2], [proofs[1], proofs[2]]));
    }
}
