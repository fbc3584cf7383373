using System.Diagnostics;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Protocol.Binary;
using AspireP2P.Node.Records;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// A record frame between our nodes costs at most 200 bytes for a 16-byte value, the signature amortized over the batch
/// it covers, and the receiver still checks every entry against its origin's signature: it recomputes each leaf, the
/// root from the leaves (and the multiproof, for a partial batch), and verifies once. Each case prints its size beside
/// today's JSON NEW_RECORD of the same entries.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class RecordFrameSizeTests : IDisposable
{
    private const string Value = "\"0123456789abcd\"";
    private static readonly ActivityContext Trace = new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

    private readonly TestFeed _origin = new(7);

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(1, true, true)]
    [InlineData(2, true, true)]
    [InlineData(16, true, true)]
    [InlineData(64, true, true)]
    [InlineData(64, false, false)]
    public void AWholeBatchCostsAtMost200BytesPerRecordAndVerifies(int records, bool traced, bool withKey)
    {
        var entries = Batch(records);

        var frame = BinaryCodec.Encode(RecordBatches.Build(entries, withKey ? _origin.PublicKey : null, sync: false, e => Relay(e, traced))!);

        var json = entries.Sum(e => MessageCodec.EncodeRecord(e, _origin.PublicKey, e.Hops + 1, traced ? Traceparent : null, null, sync: false).Length);
        Print($"{records} record(s) of a batch of {records}{(traced ? ", traced" : string.Empty)}{(withKey ? ", with the public key" : string.Empty)}", frame.Length, records, json);
        Assert.True(frame.Length / (double)records <= 200, $"{frame.Length} bytes for {records}");
        AssertOpensAndVerifies(frame, entries, withKey);
    }

    [Theory]
    [InlineData(16, 1)]
    [InlineData(64, 4)]
    [InlineData(256, 1)]
    public void APartOfABatchCarriesOneMultiproofForItsLeaves(int batch, int sent)
    {
        var entries = Batch(batch).Skip(batch / 3).Take(sent).ToList();

        var frame = BinaryCodec.Encode(RecordBatches.Build(entries, null, sync: true, e => Relay(e, traced: false))!);

        var json = entries.Sum(e => MessageCodec.EncodeRecord(e, _origin.PublicKey, e.Hops + 1, null, null, sync: true).Length);
        Print($"{sent} record(s) of a batch of {batch}, catch-up", frame.Length, sent, json);
        var pathBytes = (int)Math.Ceiling(Math.Log2(batch)) * EntrySignature.HashLength;
        Assert.True(frame.Length <= (sent * 60) + pathBytes + 100, $"{frame.Length} bytes");
        AssertOpensAndVerifies(frame, entries, withKey: false);
    }

    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private List<Entry> Batch(int count) =>
        [.. _origin.SignBatch([.. Enumerable.Range(1, count).Select(i => ((long)i, Value))])];

    private static (int, ActivityContext?, string?) Relay(Entry entry, bool traced) => (entry.Hops + 1, traced ? Trace : null, null);

    private void AssertOpensAndVerifies(byte[] frame, List<Entry> sent, bool withKey)
    {
        var batch = Assert.IsType<RecordBatch>(BinaryCodec.Decode(frame).Message);
        Assert.True(RecordBatches.TryOpen(batch, out var entries, out _));
        var verifier = new EntryVerifier(Ed25519Scheme.Instance);
        var key = withKey ? batch.PublicKey! : _origin.PublicKey;
        Assert.All(entries.Zip(sent), pair =>
        {
            var (received, original) = pair;
            Assert.Equal((original.Seq, original.Key, original.CreatedAtMs), (received.Seq, received.Key, received.CreatedAtMs));
            Assert.Equal(original.Value, received.Value);
            Assert.Equal(original.Proof, received.Proof);
            Assert.Equal(VerifyOutcome.Valid, verifier.Verify(received.Origin, key, EntrySignature.LeafHash(received), received.Proof, received.LeafIndex, received.LeafCount, received.Signature));
        });

        // One byte of a value the origin signed ("…abcd" → "…bbcd"); found by content, never a byte of the (unsigned, and
        // random) trace context that follows the entries.
        var tampered = (byte[])frame.Clone();
        tampered[frame.AsSpan().IndexOf("abcd"u8)] = (byte)'b';
        var forged = Assert.IsType<RecordBatch>(BinaryCodec.Decode(tampered).Message);
        Assert.True(RecordBatches.TryOpen(forged, out var forgedEntries, out _));
        Assert.Contains(forgedEntries, e => verifier.Verify(e.Origin, key, EntrySignature.LeafHash(e), e.Proof, e.LeafIndex, e.LeafCount, e.Signature) != VerifyOutcome.Valid);
    }

    private static void Print(string what, int bytes, int records, int json) =>
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"record frame, {what}: {bytes} bytes, {bytes / (double)records:0.#} per record (JSON NEW_RECORDs: {json / (double)records:0.#} per record)");

    public void Dispose() => _origin.Dispose();
}
