using AspireP2P.Node.Identity;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>The in-memory record log keeps the <see cref="IRecordLog"/> contract the simulator and the unit tests rely on.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class MemoryRecordLogTests
{
    private static readonly NodeId Alice = new(1, 1);
    private static readonly NodeId Bob = new(2, 2);

    [Fact]
    public async Task RowsTakeDensePositionsAndAreDurableAtOnce()
    {
        var log = new MemoryRecordLog();

        Assert.Equal(0, log.Append(Alice, 1, 11, RowKind.Visible, [1]));
        Assert.Equal(1, log.Append(Bob, 1, 21, RowKind.Visible, [2]));
        Assert.Equal(2, log.Append(Alice, 2, 12, RowKind.Hidden, [3]));

        Assert.Equal(3, log.Length);
        Assert.Equal(3, log.DurableLength);
        Assert.Null(log.Failure);
        await log.WaitDurableAsync(2, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        var rows = new LogRow[5];
        Assert.Equal(2, log.Read(1, rows));
        Assert.Equal([(1L, Bob, 1L, RowKind.Visible), (2L, Alice, 2L, RowKind.Hidden)], rows[..2].Select(r => (r.Position, r.Origin, r.Seq, r.Kind)));
        Assert.Equal([(byte)3], rows[1].Blob);
        Assert.Equal(0, log.Read(3, rows));
    }

    [Fact]
    public void AFeedIsReadInSeqOrderWithinARangeWhateverTheOrderItWasAppendedIn()
    {
        var log = new MemoryRecordLog();
        foreach (var seq in new long[] { 5, 1, 9, 3, 7 })
        {
            log.Append(Alice, seq, (ulong)seq, RowKind.Visible, []);
        }

        log.Append(Bob, 4, 40, RowKind.Visible, []);
        var rows = new LogRow[10];

        Assert.Equal([3L, 5L, 7L], rows[..log.ReadFeed(Alice, 2, 8, rows)].Select(r => r.Seq));
        Assert.Equal([1L, 3L], rows[..log.ReadFeed(Alice, 0, 100, rows.AsSpan(0, 2))].Select(r => r.Seq));
        Assert.Equal(0, log.ReadFeed(Alice, 10, 20, rows));
        Assert.Equal(0, log.ReadFeed(new NodeId(3, 3), 1, 100, rows));
        Assert.True(log.TryGet(Alice, 9, out var nine));
        Assert.Equal(2, nine.Position);
        Assert.False(log.TryGet(Alice, 2, out _));
    }

    /// <summary>Adopted records' content keys carry the top bit; only those are looked up.</summary>
    private const ulong AdoptedAA = 0xAA | (1UL << 63);
    private const ulong AdoptedBB = 0xBB | (1UL << 63);

    [Fact]
    public void ARetiredRowKeepsItsPlaceButLeavesEveryIndex()
    {
        var log = new MemoryRecordLog();
        log.Append(Alice, 1, AdoptedAA, RowKind.Visible, []);
        log.Append(Bob, 1, AdoptedAA, RowKind.Visible, []);
        log.Append(Alice, 2, AdoptedBB, RowKind.Visible, []);

        log.Retire(0);

        Assert.Equal(3, log.Length);
        Assert.False(log.TryGet(Alice, 1, out _));
        var rows = new LogRow[3];
        Assert.Equal(3, log.Read(0, rows));
        Assert.Equal(RowKind.Retired, rows[0].Kind);
        Assert.Equal([2L], rows[..log.ReadFeed(Alice, 1, 2, rows)].Select(r => r.Seq));
        Assert.Equal([1L, 2L], log.Scan().Select(s => s.Position));
        // The content key is still held by bob's row; once that is retired too, it is gone.
        Assert.True(log.ContainsContent(AdoptedAA));
        log.Retire(1);
        log.Retire(1);
        Assert.False(log.ContainsContent(AdoptedAA));
        Assert.True(log.ContainsContent(AdoptedBB));
    }

    [Fact]
    public void AReplacementAtTheSameSeqIsWhatTheFeedIndexFinds()
    {
        var log = new MemoryRecordLog();
        log.Append(Alice, 1, 1, RowKind.Visible, [1]);
        log.Retire(0);
        log.Append(Alice, 1, 2, RowKind.Visible, [2]);

        Assert.True(log.TryGet(Alice, 1, out var row));
        Assert.Equal((1L, 2UL), (row.Position, row.ContentKey));
    }

    [Fact]
    public void OriginKeysAreRemembered()
    {
        var log = new MemoryRecordLog();
        log.PutOriginKey(Alice, [1, 2, 3]);
        log.PutOriginKey(Bob, [4]);

        Assert.True(log.TryGetOriginKey(Alice, out var alice));
        Assert.True(log.TryGetOriginKey(Bob, out var bob));
        Assert.Equal((3, 1), (alice.Length, bob.Length));
        Assert.False(log.TryGetOriginKey(new NodeId(9, 9), out _));
    }

    [Fact]
    public async Task AFailedLogRefusesAppendsAndNeverLetsAWaiterHang()
    {
        var log = new MemoryRecordLog();
        log.Append(Alice, 1, 1, RowKind.Visible, []);

        log.FailWrites("disk full");
        log.FailWrites("a second failure does not replace the first");

        Assert.Equal("disk full", log.Failure?.Message);
        Assert.Equal("disk full", Assert.Throws<RecordLogFailedException>(() => log.Append(Alice, 2, 2, RowKind.Visible, [])).Message);
        Assert.Equal(1, log.Length);
        await log.WaitDurableAsync(0, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<RecordLogFailedException>(() => log.WaitDurableAsync(1, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken));
    }
}
