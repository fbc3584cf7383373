using System.Collections.Concurrent;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;

namespace AspireP2P.Node.Trust;

public enum VerifyOutcome
{
    Valid,

    /// <summary>The public key is not the origin's (its hash is another id), or the key names another origin.</summary>
    WrongOrigin,

    /// <summary>The signature does not match the bytes, or the path does not lead to a signed root.</summary>
    BadSignature,
}

/// <summary>
/// Checks that an entry was signed by its origin. Verification is where gossip spends its CPU, so: public keys are
/// checked against their id once and cached (the most recent <see cref="KeyCacheSize"/>: a node may hold any number of
/// feeds, and a key missing from the cache costs one SHA-256 to check again); a root already verified for an origin is
/// remembered, so the other entries of the same signed batch cost two or three hashes instead of a signature check;
/// callers never verify a duplicate. Thread-safe (link readers verify in parallel).
/// </summary>
public sealed class EntryVerifier(ISignatureScheme scheme)
{
    private const int RootCacheSize = 4096;
    private const int KeyCacheSize = 4096;

    private readonly BoundedCache<NodeId, byte[]> _keys = new(KeyCacheSize);
    private readonly ConcurrentDictionary<(NodeId, UInt128), bool> _roots = new();
    private readonly ConcurrentQueue<(NodeId, UInt128)> _rootOrder = new();

    public ISignatureScheme Scheme => scheme;

    /// <summary>Origins whose keys are known.</summary>
    public int KnownOrigins => _keys.Count;

    public VerifyOutcome Verify(NodeId origin, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> leaf, ReadOnlySpan<byte> proof, int leafIndex, int leafCount, ReadOnlySpan<byte> signature)
    {
        if (!KnowsKey(origin, publicKey))
        {
            return VerifyOutcome.WrongOrigin;
        }

        Span<byte> root = stackalloc byte[EntrySignature.HashLength];
        if (!EntrySignature.TryComputeRoot(leaf, proof, leafIndex, leafCount, root))
        {
            return VerifyOutcome.BadSignature;
        }

        var rootKey = (origin, System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(root));
        if (leafCount > 1 && _roots.ContainsKey(rootKey))
        {
            return VerifyOutcome.Valid;
        }

        Span<byte> message = stackalloc byte[EntrySignature.SignedMessageLength];
        EntrySignature.SignedMessage(origin, root, message);
        if (!scheme.Verify(publicKey, message, signature))
        {
            return VerifyOutcome.BadSignature;
        }

        if (leafCount > 1 && _roots.TryAdd(rootKey, true))
        {
            _rootOrder.Enqueue(rootKey);
            while (_rootOrder.Count > RootCacheSize && _rootOrder.TryDequeue(out var old))
            {
                _roots.TryRemove(old, out _);
            }
        }

        return VerifyOutcome.Valid;
    }

    private bool KnowsKey(NodeId origin, ReadOnlySpan<byte> publicKey)
    {
        if (_keys.TryGet(origin, out var known))
        {
            return publicKey.SequenceEqual(known);
        }

        if (publicKey.Length != scheme.PublicKeyLength || NodeId.FromPublicKey(publicKey) != origin)
        {
            return false;
        }

        _keys.Set(origin, publicKey.ToArray());
        return true;
    }
}
