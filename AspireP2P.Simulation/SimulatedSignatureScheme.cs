using System.Security.Cryptography;
using AspireP2P.Node.Trust;

namespace AspireP2P.Simulation;

/// <summary>
/// A stand-in for Ed25519 that costs a hash instead of a curve operation, so a thousand nodes verify a thousand records in
/// seconds. Only the holder of a seed can sign for its key (the simulation keeps each key's seed in a registry the
/// verifier consults, which no simulated node can read), so every trust check the nodes make still means what it means.
/// Not cryptography: for the simulator only. <c>--crypto ed25519</c> runs the real scheme.
/// </summary>
public sealed class SimulatedSignatureScheme : ISignatureScheme
{
    private readonly Dictionary<string, byte[]> _seeds = new(StringComparer.Ordinal);

    public string Name => "simulated";

    public int PublicKeyLength => 32;

    public int SignatureLength => 64;

    public INodeSigner Import(ReadOnlySpan<byte> seed)
    {
        var publicKey = SHA256.HashData([.. "public-key"u8, .. seed]);
        _seeds[Convert.ToHexString(publicKey)] = seed.ToArray();
        return new Signer(publicKey, seed.ToArray());
    }

    public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 64 || !_seeds.TryGetValue(Convert.ToHexString(publicKey), out var seed))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[64];
        Sign(seed, message, expected);
        return CryptographicOperations.FixedTimeEquals(expected, signature);
    }

    private static void Sign(byte[] seed, ReadOnlySpan<byte> message, Span<byte> signature)
    {
        HMACSHA256.HashData(seed, message, signature);
        signature[32..].Clear();
    }

    private sealed class Signer(byte[] publicKey, byte[] seed) : INodeSigner
    {
        public byte[] PublicKey => publicKey;

        public void Sign(ReadOnlySpan<byte> message, Span<byte> signature) => SimulatedSignatureScheme.Sign(seed, message, signature);

        public void Dispose()
        {
        }
    }
}
