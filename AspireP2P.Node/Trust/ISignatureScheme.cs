namespace AspireP2P.Node.Trust;

/// <summary>
/// How nodes sign and check: Ed25519 in every real node (<see cref="Ed25519Scheme"/>). The simulator may swap in a
/// cost-free stand-in so that a thousand nodes fit in one process; the checks around it stay the same.
/// </summary>
public interface ISignatureScheme
{
    string Name { get; }

    int PublicKeyLength { get; }

    int SignatureLength { get; }

    /// <summary>A signer from a 32-byte private seed (kept in the data directory, or random per run).</summary>
    INodeSigner Import(ReadOnlySpan<byte> seed);

    bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);
}

/// <summary>A node's private key in use. Thread-safe.</summary>
public interface INodeSigner : IDisposable
{
    byte[] PublicKey { get; }

    void Sign(ReadOnlySpan<byte> message, Span<byte> signature);
}
