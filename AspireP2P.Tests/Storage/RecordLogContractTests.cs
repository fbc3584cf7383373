using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;
using static AspireP2P.Tests.Storage.TestRows;

namespace AspireP2P.Tests.Storage;

/// <summary>
/// What the node relies on from any <see cref="IRecordLog"/>: the in-memory log of the simulator and the on-disk log
/// of a real node answer the same. Each behaviour is checked on rows still pending (not yet durable) and on rows that
/// are durable, since the on-disk log serves those from different places.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public abstract class RecordLogContractTests
{
    protected abstract IRecordLog Open();

    [Fact]
    public async Task AppendedRowsTakeDensePositionsAndReadBackInOrder()
    {
        await using var log = Open();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(i, log.Append(i % 2 == 0 ? Alice : Bob, 1 + i / 2, contentKey: (ulong)i, value: $"{i}"));
        }

        Assert.Equal(10, log.Length);
        AssertRows(log);
        await log.WaitDurableAsync(9);
        Assert.Equal(10, log.DurableLength);
        AssertRows(log);

        static void AssertRows(IRecordLog log)
        {
            var rows = log.ReadAll();
            for (var i = 0; i < rows.Length; i++)
            {
                Assert.Equal(new LogRow(i, i % 2 == 0 ? Alice : Bob, 1 + i / 2, (ulong)i, RowKind.Visible, rows[i].Blob), rows[i]);
                Assert.Equal($"{i}", System.Text.Encoding.UTF8.GetString(EntryCodec.Value(rows[i].Blob)));
            }

            var page = new LogRow[4];
            Assert.Equal(3, log.Read(7, page));
            Assert.Equal([7L, 8, 9], page.Take(3).Select(r => r.Position));
            Assert.Equal(0, log.Read(10, page));
        }
    }

    [Fact]
    public async Task ReadFeedReturnsOneOriginsRangeInSeqOrderWithoutRetiredRows()
    {
        await using var log = Open();
        foreach (var seq in new long[] { 5, 1, 3 })
        {
            log.Append(Alice, seq);
            log.Append(Bob, seq);
        }

        await log.WaitDurableAsync(log.Length - 1);
        foreach (var seq in new long[] { 2, 4, 6 })
        {
            log.Append(Alice, seq);
        }

        Assert.Equal([1L, 2, 3, 4, 5, 6], log.FeedSeqs(Alice, 1, 10));
        Assert.Equal([2L, 3, 4], log.FeedSeqs(Alice, 2, 4));
        Assert.Equal([1L, 2], log.FeedSeqs(Alice, 0, 10, max: 2));
        Assert.Equal([1L, 3, 5], log.FeedSeqs(Bob, 1, 10));
        Assert.Empty(log.FeedSeqs(Bob, 6, 10));

        log.Retire(4);
        log.Retire(7);
        Assert.Equal([1L, 2, 5, 6], log.FeedSeqs(Alice, 1, 10));
        await log.WaitDurableAsync(log.Length - 1);
        Assert.Equal([1L, 2, 5, 6], log.FeedSeqs(Alice, 1, 10));
    }

    [Fact]
    public async Task ARetiredRowKeepsItsPositionButIsNoLongerFound()
    {
        await using var log = Open();
        var durable = log.Append(Alice, 1, contentKey: 7);
        await log.WaitDurableAsync(durable);
        var pending = log.Append(Alice, 2, contentKey: 8);

        Assert.True(log.TryGet(Alice, 1, out var found));
        Assert.Equal(durable, found.Position);
        Assert.True(log.TryGet(Alice, 2, out found));
        Assert.Equal(pending, found.Position);
        Assert.False(log.TryGet(Bob, 1, out _));

        log.Retire(durable);
        log.Retire(pending);
        log.Retire(pending);

        Assert.False(log.TryGet(Alice, 1, out _));
        Assert.False(log.TryGet(Alice, 2, out _));
        Assert.Equal(2, log.Length);
        Assert.All(log.ReadAll(), row => Assert.Equal(RowKind.Retired, row.Kind));
        Assert.Empty(log.Scan());
        await log.WaitDurableAsync(pending);
        Assert.False(log.TryGet(Alice, 2, out _));
        Assert.All(log.ReadAll(), row => Assert.Equal(RowKind.Retired, row.Kind));
    }

    [Fact]
    public async Task TheWinningEntryForAnOriginAndSeqIsFoundOnceTheLoserIsRetired()
    {
        await using var log = Open();
        var loser = log.Append(Alice, 1, value: "\"loser\"");
        await log.WaitDurableAsync(loser);
        var winner = log.Append(Alice, 1, value: "\"winner\"");
        log.Retire(loser);

        Assert.True(log.TryGet(Alice, 1, out var row));
        Assert.Equal(winner, row.Position);
        Assert.Equal([winner], ReadFeedPositions(log));
        await log.WaitDurableAsync(winner);
        Assert.True(log.TryGet(Alice, 1, out row));
        Assert.Equal("\"winner\"", System.Text.Encoding.UTF8.GetString(EntryCodec.Value(row.Blob)));
        Assert.Equal([winner], ReadFeedPositions(log));

        static long[] ReadFeedPositions(IRecordLog log)
        {
            var rows = new LogRow[10];
            return [.. rows.Take(log.ReadFeed(Alice, 1, 1, rows)).Select(r => r.Position)];
        }
    }

    [Fact]
    public async Task AContentKeyIsKnownWhileARowThatIsNotRetiredCarriesIt()
    {
        await using var log = Open();
        var first = log.Append(Alice, 1, contentKey: TestRows.Adopted(99));
        await log.WaitDurableAsync(first);
        var second = log.Append(Bob, 1, contentKey: TestRows.Adopted(99));
        log.Append(Bob, 2);

        Assert.True(log.ContainsContent(TestRows.Adopted(99)));
        Assert.False(log.ContainsContent(TestRows.Adopted(98)));
        Assert.False(log.ContainsContent(0));
        log.Retire(first);
        Assert.True(log.ContainsContent(TestRows.Adopted(99)));
        log.Retire(second);
        Assert.False(log.ContainsContent(TestRows.Adopted(99)));
        await log.WaitDurableAsync(second);
        Assert.False(log.ContainsContent(TestRows.Adopted(99)));
        Assert.False(log.ContainsContent(0));
    }

    [Fact]
    public async Task ScanYieldsEveryRowThatIsNotRetiredInPositionOrder()
    {
        await using var log = Open();
        log.Append(Alice, 1, contentKey: 5, kind: RowKind.Hidden);
        log.Append(Bob, 7);
        await log.WaitDurableAsync(1);
        log.Append(Alice, 2);
        log.Append(Bob, 8);
        log.Retire(1);

        Assert.Equal(
            [(0L, Alice, 1L, 5UL, RowKind.Hidden), (2L, Alice, 2L, 0UL, RowKind.Visible), (3L, Bob, 8L, 0UL, RowKind.Visible)],
            log.Scan().Select(r => (r.Position, r.Origin, r.Seq, r.ContentKey, r.Kind)));
    }

    [Fact]
    public async Task OriginKeysAreRememberedAndReplaced()
    {
        await using var log = Open();
        log.PutOriginKey(Alice, [1, 2, 3]);
        log.PutOriginKey(Bob, [4]);
        log.PutOriginKey(Alice, [5, 6]);

        Assert.Equal(("04", "0506"), (KeyOf(log, Bob), KeyOf(log, Alice)));
        await log.WaitDurableAsync(log.Append(Alice, 1));
        // Once committed, read back from the store itself.
        Assert.Equal(("04", "0506"), (KeyOf(log, Bob), KeyOf(log, Alice)));
        Assert.False(log.TryGetOriginKey(new AspireP2P.Node.Identity.NodeId(7, 7), out _));

        static string KeyOf(IRecordLog log, AspireP2P.Node.Identity.NodeId origin) => log.TryGetOriginKey(origin, out var key) ? Convert.ToHexString(key) : "none";
    }

    [Fact]
    public async Task EveryDurableWaitCompletesOnceItsRowIsDurable()
    {
        await using var log = Open();
        var waits = new List<Task>();
        for (var i = 0; i < 1000; i++)
        {
            var position = log.Append(Alice, i + 1);
            if (i % 10 == 0)
            {
                waits.Add(log.WaitDurableAsync(position, TestContext.Current.CancellationToken).AsTask());
            }
        }

        await Task.WhenAll(waits).WaitAsync(Infrastructure.Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.True(log.DurableLength >= 991);
        Assert.Null(log.Failure);
    }
}
