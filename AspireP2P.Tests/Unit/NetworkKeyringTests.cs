using System.Text;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The network key admits a node: both ends of a link prove they hold one without sending it, and a network can move
/// from one key to another while its nodes still link (rotation).
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class NetworkKeyringTests
{
    private const string K1 = "first-network-secret";
    private const string K2 = "second-network-secret";
    private static readonly byte[] Transcript = Encoding.ASCII.GetBytes("nonces and node ids");

    [Fact]
    public void NoKeyMeansAnOpenNetwork()
    {
        Assert.False(new NetworkKeyring(null).Enabled);
        Assert.False(new NetworkKeyring(" , ").Enabled);
        Assert.False(NetworkKeyring.None.Enabled);
        Assert.Empty(NetworkKeyring.None.KeyIds);
        Assert.Null(NetworkKeyring.None.Choose(new NetworkKeyring(K1).KeyIds));
    }

    [Fact]
    public void KeyIdsNameTheKeysInOrderWithoutRevealingThem()
    {
        var keyring = new NetworkKeyring($"{K2}, {K1},{K2}");
        var ids = keyring.KeyIds;

        Assert.Equal(2, ids.Count);
        Assert.Equal(new NetworkKeyring(K2).KeyIds[0], ids[0]);
        Assert.Equal(new NetworkKeyring(K1).KeyIds[0], ids[1]);
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{12}$", id));
        Assert.All(ids, id => Assert.DoesNotContain(id, K1 + K2, StringComparison.Ordinal));
    }

    [Fact]
    public void DuringARotationBothSidesChooseTheKeyTheyShare()
    {
        // Rotating from k1 to k2: some nodes already hold [k2, k1], others still [k1].
        var rotated = new NetworkKeyring($"{K2},{K1}");
        var old = new NetworkKeyring(K1);
        var k1 = old.KeyIds[0];

        Assert.Equal(k1, rotated.Choose(old.KeyIds));
        Assert.Equal(k1, old.Choose(rotated.KeyIds));
        // Two rotated nodes use the new key.
        Assert.Equal(rotated.KeyIds[0], rotated.Choose(rotated.KeyIds));
        Assert.Equal(new NetworkKeyring(K2).KeyIds[0], rotated.KeyIds[0]);

        // Proofs under the shared key check out both ways.
        Assert.True(old.Verify(k1, Transcript, rotated.Prove(k1, Transcript)));
        Assert.True(rotated.Verify(k1, Transcript, old.Prove(k1, Transcript)));
    }

    [Fact]
    public void NodesWithoutACommonKeyShareNone()
    {
        var one = new NetworkKeyring(K1);
        var other = new NetworkKeyring(K2);

        Assert.Null(one.Choose(other.KeyIds));
        Assert.Null(other.Choose(one.KeyIds));
        Assert.Null(one.Choose([]));
    }

    [Fact]
    public void AProofMadeWithTheWrongKeyOrForAnotherTranscriptFails()
    {
        var mine = new NetworkKeyring(K1);
        var k1 = mine.KeyIds[0];
        var proof = mine.Prove(k1, Transcript);

        Assert.True(mine.Verify(k1, Transcript, proof));
        Assert.False(mine.Verify(k1, Encoding.ASCII.GetBytes("another link's transcript"), proof));
        Assert.False(mine.Verify(k1, Transcript, new NetworkKeyring(K2).Prove(new NetworkKeyring(K2).KeyIds[0], Transcript)));
        Assert.False(mine.Verify(k1, Transcript, proof.AsSpan(0, proof.Length - 1)));
        Assert.False(mine.Verify(k1, Transcript, [.. proof[..^1], (byte)(proof[^1] ^ 1)]));
        // A key id this node does not hold proves nothing, whatever comes with it.
        Assert.False(mine.Verify(new NetworkKeyring(K2).KeyIds[0], Transcript, proof));
        Assert.False(mine.Holds(new NetworkKeyring(K2).KeyIds[0]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(80)]
    [InlineData(10_000)]
    public void ProofsHaveOneSizeWhateverTheKeyOrTranscript(int transcriptLength)
    {
        var keyring = new NetworkKeyring($"{K1},{new string('k', 500)}");

        Assert.All(keyring.KeyIds, id => Assert.Equal(32, keyring.Prove(id, new byte[transcriptLength]).Length));
    }
}
