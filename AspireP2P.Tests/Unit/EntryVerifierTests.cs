using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// An entry counts only with its origin's signature over its exact bytes, checked against a public key that hashes to
/// the origin's id. Whatever anyone changes on the way — any signed field, the signature, the path, the key — it fails.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class EntryVerifierTests : IDisposable
{
    private readonly TestFeed _alice = new(1);
    private readonly TestFeed _mallory = new(2);

    [Fact]
    public void AnEntrySignedByItsOriginIsValid()
    {
        var verifier = new EntryVerifier(Ed25519Scheme.Instance);

        Assert.Equal(VerifyOutcome.Valid, Verify(verifier, _alice.Sign(1, "\"hello\""), _alice.PublicKey));
        Assert.Equal(1, verifier.KnownOrigins);
    }

    [Fact]
    public void APublicKeyThatIsNotTheOriginsIsTheWrongOrigin()
    {
        var verifier = new EntryVerifier(Ed25519Scheme.Instance);
        var entry = _alice.Sign(1, "\"hello\"");

        // Mallory's key does not hash to alice's id, however well it verifies mallory's own signatures.
        Assert.Equal(VerifyOutcome.WrongOrigin, Verify(verifier, entry, _mallory.PublicKey));
        Assert.Equal(VerifyOutcome.WrongOrigin, Verify(verifier, entry, []));
        Assert.Equal(VerifyOutcome.WrongOrigin, Verify(verifier, entry, _alice.PublicKey[..16]));
        Assert.Equal(0, verifier.KnownOrigins);
    }

    [Fact]
    public void AnEntryClaimingAnotherOriginFailsEvenWithThatOriginsKey()
    {
        // Mallory signs an entry that names alice as its origin, and sends alice's public key with it.
        var verifier = new EntryVerifier(Ed25519Scheme.Instance);
        var forged = Reorigin(_mallory.Sign(1, "\"forged\""), _alice.Id);

        Assert.Equal(VerifyOutcome.BadSignature, Verify(verifier, forged, _alice.PublicKey));
        Assert.Equal(VerifyOutcome.WrongOrigin, Verify(verifier, forged, _mallory.PublicKey));
    }

    public static TheoryData<string> Tampering =>
    [
        "origin", "seq", "createdAt", "flags", "key", "value", "signature", "proof", "leafIndex", "leafCount", "publicKey",
    ];

    [Theory]
    [MemberData(nameof(Tampering))]
    public void TamperingWithAnyFieldOfABatchEntryFails(string field)
    {
        var batch = _alice.SignBatch((1, "\"a\""), (2, "\"b\""), (3, "\"c\""), (4, "\"d\""), (5, "\"e\""));
        var entry = batch[2];
        Assert.Equal(VerifyOutcome.Valid, Verify(new EntryVerifier(Ed25519Scheme.Instance), entry, _alice.PublicKey));

        var (tampered, key) = Tamper(entry, field);

        Assert.NotEqual(VerifyOutcome.Valid, Verify(new EntryVerifier(Ed25519Scheme.Instance), tampered, key));
    }

    [Theory]
    [MemberData(nameof(Tampering))]
    public void TamperingWithAnyFieldOfAnEntrySignedAloneFails(string field)
    {
        var entry = _alice.Sign(3, "\"c\"");
        if (field is "proof" or "leafIndex" or "leafCount")
        {
            // Alone, it has no path; claiming one (or another place) must not help either.
            entry = With(entry, proof: field == "proof" ? new byte[32] : null, index: field == "leafIndex" ? (ushort)1 : null, count: field == "leafCount" ? (ushort)2 : null);
            Assert.NotEqual(VerifyOutcome.Valid, Verify(new EntryVerifier(Ed25519Scheme.Instance), entry, _alice.PublicKey));
            return;
        }

        var (tampered, key) = Tamper(entry, field);

        Assert.NotEqual(VerifyOutcome.Valid, Verify(new EntryVerifier(Ed25519Scheme.Instance), tampered, key));
    }

    [Fact]
    public void ARootOnceVerifiedVouchesForTheRestOfItsBatchWithoutAnotherSignatureCheck()
    {
        var scheme = new CountingScheme();
        var verifier = new EntryVerifier(scheme);
        var batch = _alice.SignBatch((1, "\"a\""), (2, "\"b\""), (3, "\"c\""), (4, "\"d\""));

        Assert.All(batch, entry => Assert.Equal(VerifyOutcome.Valid, Verify(verifier, entry, _alice.PublicKey)));

        Assert.Equal(1, scheme.Verifications);
        // The cache vouches for the root, not for whatever comes with it: a tampered entry's path leads elsewhere.
        Assert.Equal(VerifyOutcome.BadSignature, Verify(verifier, With(batch[1], value: "\"B\""u8.ToArray()), _alice.PublicKey));
        Assert.Equal(2, scheme.Verifications);
    }

    [Fact]
    public void EntriesSignedAloneAreEachChecked()
    {
        var scheme = new CountingScheme();
        var verifier = new EntryVerifier(scheme);

        Verify(verifier, _alice.Sign(1, "1"), _alice.PublicKey);
        Verify(verifier, _alice.Sign(1, "1"), _alice.PublicKey);

        Assert.Equal(2, scheme.Verifications);
    }

    [Fact]
    public void AFailedRootIsNotRemembered()
    {
        var scheme = new CountingScheme();
        var verifier = new EntryVerifier(scheme);
        var batch = _alice.SignBatch((1, "\"a\""), (2, "\"b\""));
        var badSignature = With(batch[0], signature: _mallory.SignBatch((1, "\"a\""), (2, "\"b\""))[0].Signature);

        Assert.Equal(VerifyOutcome.BadSignature, Verify(verifier, badSignature, _alice.PublicKey));
        Assert.Equal(VerifyOutcome.BadSignature, Verify(verifier, With(batch[1], signature: badSignature.Signature), _alice.PublicKey));
        Assert.Equal(VerifyOutcome.Valid, Verify(verifier, batch[1], _alice.PublicKey));
        Assert.Equal(3, scheme.Verifications);
    }

    [Fact]
    public void OnceAnOriginsKeyIsKnownNoOtherKeyIsAcceptedForIt()
    {
        var verifier = new EntryVerifier(Ed25519Scheme.Instance);
        Verify(verifier, _alice.Sign(1, "1"), _alice.PublicKey);

        Assert.Equal(VerifyOutcome.WrongOrigin, Verify(verifier, _alice.Sign(2, "2"), _mallory.PublicKey));
        Assert.Equal(VerifyOutcome.Valid, Verify(verifier, _alice.Sign(2, "2"), _alice.PublicKey));
    }

    private static VerifyOutcome Verify(EntryVerifier verifier, Entry entry, byte[] publicKey) =>
        verifier.Verify(entry.Origin, publicKey, EntrySignature.LeafHash(entry), entry.Proof, entry.LeafIndex, entry.LeafCount, entry.Signature);

    private (Entry Entry, byte[] PublicKey) Tamper(Entry entry, string field) => field switch
    {
        "origin" => (Reorigin(entry, _mallory.Id), _alice.PublicKey),
        "seq" => (With(entry, seq: entry.Seq + 1), _alice.PublicKey),
        "createdAt" => (With(entry, createdAt: entry.CreatedAtMs + 1), _alice.PublicKey),
        "flags" => (With(entry, flags: EntryTraits.Adopted), _alice.PublicKey),
        "key" => (With(entry, key: entry.Key + "x"), _alice.PublicKey),
        "value" => (With(entry, value: [.. entry.Value[..^1], (byte)'X', entry.Value[^1]]), _alice.PublicKey),
        "signature" => (With(entry, signature: Flip(entry.Signature)), _alice.PublicKey),
        "proof" => (With(entry, proof: Flip(entry.Proof)), _alice.PublicKey),
        "leafIndex" => (With(entry, index: (ushort)((entry.LeafIndex + 1) % entry.LeafCount)), _alice.PublicKey),
        // (Leaf 2 of 5 read as leaf 2 of 6 follows the very same path to the very same root: nothing signed changed.)
        "leafCount" => (With(entry, count: (ushort)(entry.LeafCount - 1)), _alice.PublicKey),
        "publicKey" => (entry, Flip(_alice.PublicKey)),
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    private static Entry Reorigin(Entry entry, NodeId origin) => With(entry, origin: origin);

    private static Entry With(
        Entry entry, NodeId? origin = null, long? seq = null, long? createdAt = null, EntryTraits? flags = null, string? key = null, byte[]? value = null,
        byte[]? signature = null, byte[]? proof = null, ushort? index = null, ushort? count = null) => new()
        {
            Origin = origin ?? entry.Origin,
            Seq = seq ?? entry.Seq,
            CreatedAtMs = createdAt ?? entry.CreatedAtMs,
            Flags = flags ?? entry.Flags,
            Key = key ?? entry.Key,
            Value = value ?? entry.Value,
            Signature = signature ?? entry.Signature,
            Proof = proof ?? entry.Proof,
            LeafIndex = index ?? entry.LeafIndex,
            LeafCount = count ?? entry.LeafCount,
        };

    private static byte[] Flip(byte[] bytes)
    {
        var copy = bytes.ToArray();
        copy[^1] ^= 0x01;
        return copy;
    }

    public void Dispose()
    {
        _alice.Dispose();
        _mallory.Dispose();
    }

    /// <summary>Ed25519, counting how many signatures it checked.</summary>
    private sealed class CountingScheme : ISignatureScheme
    {
        private int _verifications;

        public int Verifications => _verifications;

        public string Name => Ed25519Scheme.Instance.Name;

        public int PublicKeyLength => Ed25519Scheme.Instance.PublicKeyLength;

        public int SignatureLength => Ed25519Scheme.Instance.SignatureLength;

        public INodeSigner Import(ReadOnlySpan<byte> seed) => Ed25519Scheme.Instance.Import(seed);

        public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
        {
            Interlocked.Increment(ref _verifications);
            return Ed25519Scheme.Instance.Verify(publicKey, message, signature);
        }
    }
}
