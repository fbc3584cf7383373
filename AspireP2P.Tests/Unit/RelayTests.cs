using AspireP2P.Node.Mesh;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The relay follows the log and keeps its newest entries in memory, within a byte budget (issue 20, case 5: the old tail
/// kept 16,384 entries whatever their size, ≈ 2.4 GiB of 60 KB records); older ones are read back from disk.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class RelayTests : IDisposable
{
    private readonly TestFeed _alice = new(1);

    [Fact]
    public void RecentEntriesKeepWhereTheyCameFromOlderOnesAreReadBackFromDisk()
    {
        var store = new RecordStore(new MemoryRecordLog());
        var relay = new Relay(store, budgetBytes: 64 * 1024);
        store.Observe(relay);
        relay.Follow(link: 1, cursor: 0);
        var value = new string('x', 1000);
        for (var seq = 1; seq <= 200; seq++)
        {
            store.Append(_alice.Sign(seq, $"\"{value}\""), _alice.PublicKey, new RelayContext(7, _alice.PublicKey, 1, null, null, Sync: false));
        }

        var items = new RelayItem?[200];
        Assert.Equal(200, relay.Read(0, items));

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), items.Select(i => i!.Entry.Seq));
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), items.Select(i => i!.Position));
        var recent = items.Count(i => i!.FromLink == 7);
        Assert.InRange(recent, 20, 64);
        Assert.All(items[..^recent], i => Assert.Null(i!.Context));
        Assert.True(relay.Bytes <= relay.BudgetBytes, $"{relay.Bytes} bytes held, budget {relay.BudgetBytes}");
        Assert.Equal(_alice.Sign(1, $"\"{value}\"").Signature, items[0]!.Entry.Signature);
    }

    [Fact]
    public void EntriesEveryLinkHasSentAreLetGo()
    {
        var store = new RecordStore(new MemoryRecordLog());
        var relay = new Relay(store, budgetBytes: 1 << 20);
        store.Observe(relay);
        relay.Follow(link: 1, cursor: 0);
        relay.Follow(link: 2, cursor: 0);
        for (var seq = 1; seq <= 10; seq++)
        {
            store.Append(_alice.Sign(seq, "1"), _alice.PublicKey, new RelayContext(3, _alice.PublicKey, 1, null, null, Sync: false));
        }

        var held = relay.Bytes;
        relay.Follow(link: 1, cursor: 10);
        Assert.Equal(held, relay.Bytes);
        relay.Follow(link: 2, cursor: 6);
        Assert.True(relay.Bytes < held);
        relay.Unfollow(link: 2);
        Assert.Equal(0, relay.Bytes);

        // Read back from disk, without where they came from.
        var items = new RelayItem?[10];
        Assert.Equal(10, relay.Read(0, items));
        Assert.All(items, i => Assert.Null(i!.Context));
    }

    [Fact]
    public void AFrameIsEncodedOnceAndSharedWhileTheEntryIsInTheWindow()
    {
        var store = new RecordStore(new MemoryRecordLog());
        var relay = new Relay(store, budgetBytes: 1 << 20);
        store.Observe(relay);
        relay.Follow(link: 1, cursor: 0);
        store.Append(_alice.Sign(1, "\"shared\""), _alice.PublicKey, new RelayContext(0, _alice.PublicKey, 0, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null, Sync: false));
        var items = new RelayItem?[1];
        relay.Read(0, items);
        var before = relay.Bytes;

        var first = relay.FrameOf(items[0]!);
        var second = relay.FrameOf(items[0]!);

        Assert.Same(first, second);
        Assert.Equal(before + first.Length, relay.Bytes);
        var text = System.Text.Encoding.UTF8.GetString(first);
        Assert.Contains("\"hops\":1", text, StringComparison.Ordinal);
        Assert.Contains("0af7651916cd43dd8448eb211c80319c", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"sync\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLogsFollowerThatThrowsLeavesAGapThatIsReadFromDisk()
    {
        var faults = new List<string>();
        var store = new RecordStore(new MemoryRecordLog(), (part, _) => faults.Add(part));
        var relay = new Relay(store, budgetBytes: 1 << 20);
        store.Append(_alice.Sign(1, "1"), _alice.PublicKey);
        store.Observe(new ThrowingObserver());
        Assert.True(store.Append(_alice.Sign(2, "2"), _alice.PublicKey).Stored);
        store.Observe(relay);
        relay.Follow(link: 1, cursor: 0);
        store.Append(_alice.Sign(3, "3"), _alice.PublicKey, new RelayContext(5, _alice.PublicKey, 1, null, null, Sync: false));

        var items = new RelayItem?[3];
        Assert.Equal(3, relay.Read(0, items));
        Assert.Equal([1L, 2L, 3L], items.Select(i => i!.Entry.Seq));
        Assert.Equal([0L, 0L, 5L], items.Select(i => i!.FromLink));
        Assert.Equal(["record store follower"], faults);
    }

    public void Dispose() => _alice.Dispose();

    private sealed class ThrowingObserver : IRecordObserver
    {
        public void Appended(long position, Entry entry, RowKind kind, object? context) => throw new InvalidOperationException("a follower's bug");

        public void Retired(long position) => throw new InvalidOperationException("a follower's bug");
    }
}
