using System.Text;
using System.Text.Json;
using System.Runtime.InteropServices;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Trust;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AspireP2P.Benchmarks.Micro;

/// <summary>
/// The per-record work of a node, one operation at a time: parse a POST body, hash and sign an entry (alone, or as one of a
/// batch of 16 under one signature), encode its NEW_RECORD, decode one from a peer, verify it (a signature, or a path to a
/// root already verified), and store it (new, or a duplicate caught by the feed index before any signature is checked).
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks : IDisposable
{
    private const int Batch = 16;

    private static readonly byte[] PostBody = """{"record":"bench-123456"}"""u8.ToArray();
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private readonly MessageCodec _codec = new(64 * 1024);
    private NodeKeys _keys = null!;
    private Entry _entry = null!;
    private Entry[] _batch = [];
    private byte[] _frame = [];
    private byte[] _batchFrame = [];
    private EntryVerifier _verifier = null!;
    private EntryVerifier _warmVerifier = null!;
    private RecordStore _store = null!;
    private long _nextSeq;

    [GlobalSetup]
    public void Setup()
    {
        _keys = NodeKeys.FromSeed(new byte[32], Ed25519Scheme.Instance);
        _entry = Sign([Draft(1)])[0];
        _batch = Sign([.. Enumerable.Range(1, Batch).Select(i => Draft(i))]);
        _frame = MessageCodec.EncodeRecord(_entry, _keys.PublicKey, 1, Traceparent, null, sync: false);
        _batchFrame = MessageCodec.EncodeRecord(_batch[5], _keys.PublicKey, 1, Traceparent, null, sync: false);
        _verifier = new EntryVerifier(Ed25519Scheme.Instance);
        _warmVerifier = new EntryVerifier(Ed25519Scheme.Instance);
        Verify(_warmVerifier, _batch[0]);
        _store = new RecordStore(new MemoryRecordLog());
        _store.Append(_entry, _keys.PublicKey, 0);
        _nextSeq = 1000;
    }

    private Entry Draft(long seq) => new()
    {
        Origin = _keys.Id, Seq = seq, CreatedAtMs = 1_795_000_000_000, Key = Entry.KeyFor(_keys.Id, seq),
        Value = Encoding.UTF8.GetBytes($"\"bench-{seq}\""), Signature = [],
    };

    private Entry[] Sign(Entry[] drafts)
    {
        var leaves = drafts.Select(EntrySignature.LeafHash).ToList();
        var (root, proofs) = leaves.Count == 1 ? (leaves[0], [[]]) : EntrySignature.Build(leaves);
        var message = new byte[EntrySignature.SignedMessageLength];
        EntrySignature.SignedMessage(_keys.Id, root, message);
        var signature = _keys.Sign(message);
        return [.. drafts.Select((d, i) => new Entry
        {
            Origin = d.Origin, Seq = d.Seq, CreatedAtMs = d.CreatedAtMs, Key = d.Key, Value = d.Value, Signature = signature,
            Proof = proofs[i], LeafIndex = (ushort)i, LeafCount = (ushort)drafts.Length,
        })];
    }

    private VerifyOutcome Verify(EntryVerifier verifier, Entry entry)
    {
        Span<byte> leaf = stackalloc byte[EntrySignature.HashLength];
        EntrySignature.LeafHash(entry.Origin, entry.Seq, entry.CreatedAtMs, entry.Flags, entry.Key, entry.Value, leaf);
        return verifier.Verify(entry.Origin, _keys.PublicKey, leaf, entry.Proof, entry.LeafIndex, entry.LeafCount, entry.Signature);
    }

    [Benchmark(Description = "POST body: parse {\"record\": v}, copy raw v")]
    public byte[] ParsePostBody()
    {
        using var document = JsonDocument.Parse(PostBody);
        return JsonMarshal.GetRawUtf8Value(document.RootElement.GetProperty("record"u8)).ToArray();
    }

    [Benchmark(Description = "sign one entry alone (leaf hash + Ed25519)")]
    public Entry SignAlone() => Sign([_entry])[0];

    [Benchmark(Description = "sign a batch of 16 (16 leaves, Merkle tree, one Ed25519), per batch")]
    public Entry[] SignBatch() => Sign(_batch);

    [Benchmark(Description = "encode NEW_RECORD (signed, traceparent)")]
    public byte[] Encode() => MessageCodec.EncodeRecord(_entry, _keys.PublicKey, 1, Traceparent, null, sync: false);

    [Benchmark(Description = "decode NEW_RECORD from a peer")]
    public DecodeResult Decode() => _codec.Decode(_frame);

    [Benchmark(Description = "verify an entry signed alone (leaf hash + Ed25519)")]
    public VerifyOutcome VerifyAlone() => Verify(_verifier, _entry);

    [Benchmark(Description = "verify an entry of a batch whose root is verified (leaf + path)")]
    public VerifyOutcome VerifyInVerifiedBatch() => Verify(_warmVerifier, _batch[7]);

    [Benchmark(Description = "decode a batch member's NEW_RECORD (with its path)")]
    public DecodeResult DecodeBatchMember() => _codec.Decode(_batchFrame);

    [Benchmark(Description = "duplicate caught by the feed index (no signature checked)")]
    public bool Duplicate() => _store.Contains(_entry.Origin, _entry.Seq);

    [Benchmark(Description = "store a new entry (memory log, feed index, tail)")]
    public AppendResult Store()
    {
        var entry = new Entry
        {
            Origin = _entry.Origin, Seq = ++_nextSeq, CreatedAtMs = _entry.CreatedAtMs, Key = _entry.Key, Value = _entry.Value, Signature = _entry.Signature,
        };
        return _store.Append(entry, _keys.PublicKey, 0);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _keys.Dispose();
        GC.SuppressFinalize(this);
    }

    public static void Run(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcess"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromTypes([typeof(HotPathBenchmarks)]).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
    }
}
