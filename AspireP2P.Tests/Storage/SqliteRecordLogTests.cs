using AspireP2P.Node.Records.Storage;
using AspireP2P.Tests.Infrastructure;
using static AspireP2P.Tests.Storage.TestRows;

namespace AspireP2P.Tests.Storage;

/// <summary>The on-disk log: what survives a restart, a store larger than its memory, where it lives.</summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class SqliteRecordLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aspirep2p-log-test-").FullName;

    [Fact]
    public async Task EverythingSurvivesAReopenAtTheSamePositions()
    {
        LogRow[] before;
        await using (var log = RecordLogFactory.Open(_directory, new RecordLogOptions()))
        {
            log.Append(Alice, 1, contentKey: TestRows.Adopted(11));
            log.Append(Bob, 1, kind: RowKind.Hidden);
            log.Append(Alice, 2, contentKey: TestRows.Adopted(12));
            log.Retire(2);
            log.PutOriginKey(Alice, [1, 2]);
            before = log.ReadAll();
        }

        await using (var log = RecordLogFactory.Open(_directory, new RecordLogOptions()))
        {
            Assert.Equal(3, log.Length);
            Assert.Equal(3, log.DurableLength);
            Assert.Equal(Describe(before), Describe(log.ReadAll()));
            Assert.Equal([(0L, RowKind.Visible), (1L, RowKind.Hidden)], log.Scan().Select(r => (r.Position, r.Kind)));
            Assert.True(log.TryGet(Bob, 1, out var bob));
            Assert.Equal(1, bob.Position);
            Assert.False(log.TryGet(Alice, 2, out _));
            Assert.True(log.ContainsContent(TestRows.Adopted(11)));
            Assert.False(log.ContainsContent(TestRows.Adopted(12)));
            Assert.True(log.TryGetOriginKey(Alice, out var aliceKey));
            Assert.Equal("0102", Convert.ToHexString(aliceKey));
            Assert.False(log.TryGetOriginKey(Bob, out _));

            Assert.Equal(3, log.Append(Alice, 3));
            await log.WaitDurableAsync(3);
        }

        await using (var log = RecordLogFactory.Open(_directory, new RecordLogOptions()))
        {
            Assert.Equal(4, log.Length);
            Assert.Equal([1L, 3], log.FeedSeqs(Alice, 1, 10));
        }

        static string[] Describe(LogRow[] rows) =>
            [.. rows.Select(r => $"{r.Position} {r.Origin} {r.Seq} {r.ContentKey} {r.Kind} {Convert.ToHexString(r.Blob)}")];
    }

    [Fact]
    public async Task AStoreLargerThanItsMemoryBudgetKeepsAndServesEveryRow()
    {
        const int Rows = 20_000;
        var value = $"\"{new string('x', 1000)}\"";
        var options = new RecordLogOptions { MemoryBudgetBytes = 1 << 20 };
        await using (var log = RecordLogFactory.Open(_directory, options))
        {
            for (var i = 0; i < Rows; i++)
            {
                log.Append(i % 2 == 0 ? Alice : Bob, 1 + i / 2, contentKey: TestRows.Adopted((ulong)i + 1), value: value);
            }

            await log.WaitDurableAsync(Rows - 1);
        }

        var storeBytes = new DirectoryInfo(_directory).EnumerateFiles().Sum(f => f.Length);
        Assert.True(storeBytes > 10 * options.MemoryBudgetBytes, $"the store ({storeBytes} B) should dwarf the budget");

        await using (var log = RecordLogFactory.Open(_directory, options))
        {
            Assert.Equal(Rows, log.Length);
            var page = new LogRow[500];
            for (var position = 0L; position < Rows; position += page.Length)
            {
                Assert.Equal(page.Length, log.Read(position, page));
                for (var i = 0; i < page.Length; i++)
                {
                    var expected = position + i;
                    var origin = expected % 2 == 0 ? Alice : Bob;
                    Assert.Equal((expected, origin, 1 + expected / 2), (page[i].Position, page[i].Origin, page[i].Seq));
                    Assert.Equal(Blob(origin, 1 + expected / 2, value), page[i].Blob);
                }
            }

            var feed = new LogRow[Rows];
            Assert.Equal(Rows / 2, log.ReadFeed(Bob, 1, Rows, feed));
            Assert.Equal(Enumerable.Range(1, Rows / 2).Select(s => (long)s), feed.Take(Rows / 2).Select(r => r.Seq));
            var random = new Random(5);
            for (var i = 0; i < 1000; i++)
            {
                var seq = random.NextInt64(1, Rows / 2 + 1);
                Assert.True(log.TryGet(Alice, seq, out var row));
                Assert.Equal(Blob(Alice, seq, value), row.Blob);
                Assert.True(log.ContainsContent(TestRows.Adopted((ulong)random.Next(1, Rows + 1))));
            }

            Assert.Equal(Rows, log.Scan().Count());
        }
    }

    [Fact]
    public async Task WithoutADataDirectoryTheLogSpillsToATemporaryDirectoryRemovedOnDispose()
    {
        var log = (SqliteRecordLog)RecordLogFactory.Open(null, new RecordLogOptions());
        var directory = log.Directory;
        log.Append(Alice, 1);
        await log.WaitDurableAsync(0);
        Assert.True(File.Exists(Path.Combine(directory, RecordLogFactory.FileName)));

        await log.DisposeAsync().AsTask().WaitAsync(Infrastructure.Timeouts.Stop, TestContext.Current.CancellationToken);

        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task ASpillDirectoryLeftByAKilledNodeIsRemovedByTheNextOne()
    {
        var abandoned = Path.Combine(Path.GetTempPath(), "aspirep2p-records-999999999-left.over");
        Directory.CreateDirectory(abandoned);
        await File.WriteAllTextAsync(Path.Combine(abandoned, RecordLogFactory.FileName), "rows of a node killed with -9", TestContext.Current.CancellationToken);
        var ours = Path.Combine(Path.GetTempPath(), $"aspirep2p-records-{Environment.ProcessId}-still.running");
        Directory.CreateDirectory(ours);
        try
        {
            await using var log = RecordLogFactory.Open(null, new RecordLogOptions());

            Assert.False(Directory.Exists(abandoned));
            Assert.True(Directory.Exists(ours));
        }
        finally
        {
            Directory.Delete(ours);
        }
    }

    [Fact]
    public async Task AStoreInUseIsRefusedWithAClearError()
    {
        await using var log = RecordLogFactory.Open(_directory, new RecordLogOptions());

        var error = Assert.Throws<RecordLogFailedException>(() => RecordLogFactory.Open(_directory, new RecordLogOptions()));

        Assert.Contains("in use by another process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFileThatIsNotARecordLogIsRefusedWithAClearError()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, RecordLogFactory.FileName), new string('x', 5000), TestContext.Current.CancellationToken);

        var error = Assert.Throws<RecordLogFailedException>(() => RecordLogFactory.Open(_directory, new RecordLogOptions()));

        Assert.Contains(_directory, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClosingReleasesWaitersForRowsNeverAppended()
    {
        var log = RecordLogFactory.Open(_directory, new RecordLogOptions());
        var appended = log.Append(Alice, 1);
        var durable = log.WaitDurableAsync(appended, TestContext.Current.CancellationToken).AsTask();
        var never = log.WaitDurableAsync(appended + 5, TestContext.Current.CancellationToken).AsTask();

        await log.DisposeAsync().AsTask().WaitAsync(Infrastructure.Timeouts.Stop, TestContext.Current.CancellationToken);

        await durable.WaitAsync(Infrastructure.Timeouts.Request, TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => never.WaitAsync(Infrastructure.Timeouts.Request, TestContext.Current.CancellationToken));
        Assert.Throws<ObjectDisposedException>(() => log.Append(Alice, 2));
    }

    [Fact]
    public async Task FsyncedCommitsAreDurableToo()
    {
        await using (var log = RecordLogFactory.Open(_directory, new RecordLogOptions { Fsync = true }))
        {
            for (var i = 1; i <= 50; i++)
            {
                await log.WaitDurableAsync(log.Append(Alice, i));
            }
        }

        await using var reopened = RecordLogFactory.Open(_directory, new RecordLogOptions { Fsync = true });
        Assert.Equal(50, reopened.Length);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
