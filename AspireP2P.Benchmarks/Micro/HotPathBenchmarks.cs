using System.Text;
using System.Text.Json;
using System.Runtime.InteropServices;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Options;

namespace AspireP2P.Benchmarks.Micro;

/// <summary>
/// The per-record work of a node, one operation at a time: parse a POST body, build the record (content hash),
/// store it (key index = de-duplication), encode its NEW_RECORD once, and decode a NEW_RECORD from a peer.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const int Batch = 1000;

    private static readonly byte[] PostBody = """{"record":"bench-123456"}"""u8.ToArray();
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private readonly MessageCodec _codec = new(Options.Create(new NodeOptions()));
    private readonly StoredRecord[] _records = new StoredRecord[Batch];
    private byte[] _frame = [];
    private RecordStore _full = new();
    private StoredRecord _duplicate = null!;
    private StoredRecord _record = null!;

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Batch; i++)
        {
            _records[i] = NewRecord(i);
        }

        _record = _records[0];
        _frame = MessageCodec.EncodeRecord(_record, 1, "3195544321fa9800", Traceparent, null, 42);
        _full = new RecordStore();
        foreach (var record in _records)
        {
            _full.TryAdd(record);
        }

        _duplicate = NewRecord(500);
    }

    private static StoredRecord NewRecord(int i) =>
        new($"3195544321fa9800-{i}", Encoding.UTF8.GetBytes($"\"bench-{i}\""), "3195544321fa9800", 1_760_000_000_000 + i, 0, "0af7651916cd43dd8448eb211c80319c");

    [Benchmark(Description = "POST body: parse {\"record\": v}, copy raw v")]
    public byte[] ParsePostBody()
    {
        using var document = JsonDocument.Parse(PostBody);
        return JsonMarshal.GetRawUtf8Value(document.RootElement.GetProperty("record"u8)).ToArray();
    }

    [Benchmark(Description = "StoredRecord (XxHash64 content hash)")]
    public StoredRecord CreateRecord() => new("3195544321fa9800-123456", PostBody, "3195544321fa9800", 1_760_000_000_000, 0, null);

    [Benchmark(Description = "RecordStore.TryAdd, new key", OperationsPerInvoke = Batch)]
    public RecordStore AddNew()
    {
        var store = new RecordStore();
        foreach (var record in _records)
        {
            store.TryAdd(record);
        }

        return store;
    }

    [Benchmark(Description = "RecordStore.TryAdd, duplicate (dedup)")]
    public AddOutcome AddDuplicate() => _full.TryAdd(_duplicate);

    [Benchmark(Description = "Encode NEW_RECORD")]
    public byte[] Encode() => MessageCodec.EncodeRecord(_record, 1, "3195544321fa9800", Traceparent, null, 42);

    [Benchmark(Description = "Decode NEW_RECORD")]
    public DecodeResult Decode() => _codec.Decode(_frame, 1_760_000_000_100, "peer");

    [Benchmark(Description = "Digest (count + XOR of content hashes)")]
    public RecordDigest Digest() => _full.Digest;

    /// <summary>
    /// Managed bytes a stored record keeps alive: 100,000 records shaped like POSTed ones (key, 13-byte value,
    /// shared origin, trace id), stored, measured with full collections before and after.
    /// </summary>
    public static double RetainedBytesPerRecord(int count = 100_000)
    {
        var origin = "3195544321fa9800";
        var values = Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes($"\"bench-{i}\"")).ToArray();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var store = new RecordStore();
        for (var i = 0; i < count; i++)
        {
            store.TryAdd(new StoredRecord($"{origin}-{i}", values[i], origin, 1_760_000_000_000 + i, 0, "0af7651916cd43dd8448eb211c80319c"));
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(store);
        // The values themselves (the posted bytes) are counted too: they were allocated before, but only the store keeps them.
        var valueBytes = values.Sum(v => 24L + ((v.Length + 7) & ~7));
        return (after - before + valueBytes) / (double)count;
    }

    public static void Run(string[] args)
    {
        Console.WriteLine($"Retained managed memory per stored record (100,000 POST-shaped records): {RetainedBytesPerRecord():0} bytes");
        var config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcess"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromTypes([typeof(HotPathBenchmarks)]).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
    }
}
