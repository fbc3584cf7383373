using System.Text;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;
using AspireP2P.Node.Trust;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// One origin's feed for unit tests: a real Ed25519 key (from a fixed seed, so runs repeat) that signs entries the way a
/// node's publisher does, one at a time or as a Merkle batch under one signature.
/// </summary>
public sealed class TestFeed : IDisposable
{
    public const long CreatedAtMs = 1_700_000_000_000;

    public TestFeed(byte seed) => Keys = NodeKeys.FromSeed(Enumerable.Repeat(seed, 32).ToArray(), Ed25519Scheme.Instance);

    public NodeKeys Keys { get; }

    public NodeId Id => Keys.Id;

    public byte[] PublicKey => Keys.PublicKey;

    /// <summary>Entry <paramref name="seq"/> of this feed, signed alone (its leaf is the signed root).</summary>
    public Entry Sign(long seq, string valueJson, EntryTraits flags = EntryTraits.None, string? key = null, long createdAtMs = CreatedAtMs)
    {
        var draft = Build(seq, valueJson, flags, key, createdAtMs);
        return With(draft, SignRoot(EntrySignature.LeafHash(draft)), [], 0, 1);
    }

    /// <summary>Entries signed together: one signature over the Merkle root of their leaves, each with its path.</summary>
    public Entry[] SignBatch(params (long Seq, string ValueJson)[] items)
    {
        var drafts = items.Select(i => Build(i.Seq, i.ValueJson, EntryTraits.None, key: null, CreatedAtMs)).ToArray();
        var (root, proofs) = EntrySignature.Build(drafts.Select(EntrySignature.LeafHash).ToList());
        var signature = SignRoot(root);
        return drafts.Select((d, i) => With(d, signature, proofs[i], (ushort)i, (ushort)drafts.Length)).ToArray();
    }

    /// <summary>An entry without a signature yet: the store takes it as it is (it trusts its caller to have verified).</summary>
    public Entry Draft(long seq, string valueJson, EntryTraits flags = EntryTraits.None, string? key = null) =>
        Build(seq, valueJson, flags, key, CreatedAtMs);

    private Entry Build(long seq, string valueJson, EntryTraits flags, string? key, long createdAtMs) => new()
    {
        Origin = Id,
        Seq = seq,
        CreatedAtMs = createdAtMs,
        Flags = flags,
        Key = key ?? Entry.KeyFor(Id, seq),
        Value = Encoding.UTF8.GetBytes(valueJson),
        Signature = [],
    };

    private byte[] SignRoot(byte[] root)
    {
        var message = new byte[EntrySignature.SignedMessageLength];
        EntrySignature.SignedMessage(Id, root, message);
        return Keys.Sign(message);
    }

    private static Entry With(Entry draft, byte[] signature, byte[] proof, ushort index, ushort count) => new()
    {
        Origin = draft.Origin,
        Seq = draft.Seq,
        CreatedAtMs = draft.CreatedAtMs,
        Flags = draft.Flags,
        Key = draft.Key,
        Value = draft.Value,
        Signature = signature,
        Proof = proof,
        LeafIndex = index,
        LeafCount = count,
    };

    public void Dispose() => Keys.Dispose();
}
