using System.Collections.Concurrent;
using System.Text;
using AspireP2P.Node.Records;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The record store is also gossip's de-duplication (a second copy of a record is refused) and settles two
/// different values for one key the same way on every node.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class RecordStoreTests
{
    [Fact]
    public void SecondCopyOfARecordIsADuplicate()
    {
        var store = new RecordStore();
        var first = Record("k", "\"same\"");

        Assert.Equal(AddOutcome.Added, store.TryAdd(first));
        Assert.Equal(AddOutcome.Duplicate, store.TryAdd(Record("k", "\"same\"")));

        Assert.Equal(1, store.Count);
        Assert.Equal(1, store.Length);
        Assert.True(store.Contains("k"));
        Assert.Same(first, store.Get("k"));
        Assert.Equal(["\"same\""], Values(store.Read()));
    }

    [Fact]
    public void ConflictingValuesAreSettledTheSameWayWhateverTheOrderOfArrival()
    {
        var older = Record("k", "\"older\"", createdAt: 1_000);
        var newer = Record("k", "\"newer\"", createdAt: 2_000);
        var oldFirst = new RecordStore();
        var newFirst = new RecordStore();

        Assert.Equal(AddOutcome.Added, oldFirst.TryAdd(older));
        Assert.Equal(AddOutcome.Replaced, oldFirst.TryAdd(newer));
        Assert.Equal(AddOutcome.Added, newFirst.TryAdd(newer));
        Assert.Equal(AddOutcome.ConflictLost, newFirst.TryAdd(older));

        Assert.Equal(["\"newer\""], Values(oldFirst.Read()));
        Assert.Equal(["\"newer\""], Values(newFirst.Read()));
        Assert.Equal(newFirst.Digest, oldFirst.Digest);
        // The winner is appended, so every link's cursor ships it; the loser's slot stays empty.
        Assert.Equal(2, oldFirst.Length);
        Assert.Equal(1, oldFirst.Count);
    }

    [Fact]
    public void ConflictWithoutTimesFallsBackToOriginThenValueBytes()
    {
        var byOrigin = new RecordStore();
        byOrigin.TryAdd(Record("k", "\"b\"", origin: "bbbb"));
        byOrigin.TryAdd(Record("k", "\"a\"", origin: "aaaa"));
        var byBytes = new RecordStore();
        byBytes.TryAdd(Record("k", "\"b\""));
        byBytes.TryAdd(Record("k", "\"a\""));

        Assert.Equal(["\"a\""], Values(byOrigin.Read()));
        Assert.Equal(["\"a\""], Values(byBytes.Read()));
    }

    [Fact]
    public void DigestsAreEqualExactlyWhenTheRecordSetsAre()
    {
        var one = new RecordStore();
        var other = new RecordStore();
        one.TryAdd(Record("a", "1"));
        one.TryAdd(Record("b", "2"));
        other.TryAdd(Record("b", "2"));

        Assert.NotEqual(one.Digest, other.Digest);
        other.TryAdd(Record("a", "1"));
        Assert.Equal(one.Digest, other.Digest);
        Assert.True(RecordDigest.TryParse(one.Digest.ToString(), out var parsed));
        Assert.Equal(one.Digest, parsed);
    }

    [Fact]
    public void KeysAreCaseSensitive()
    {
        var store = new RecordStore();

        Assert.Equal(AddOutcome.Added, store.TryAdd(Record("abc", "1")));
        Assert.Equal(AddOutcome.Added, store.TryAdd(Record("ABC", "2")));

        Assert.False(store.Contains("aBc"));
        Assert.Null(store.Get("aBc"));
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public void ReadsInInsertionOrder()
    {
        var store = new RecordStore();
        foreach (var key in new[] { "z", "a", "m", "b" })
        {
            store.TryAdd(Record(key, $"\"{key}\""));
        }

        Assert.Equal(["z", "a", "m", "b"], store.Read().Select(r => r.Key));
    }

    [Theory]
    [InlineData(0, int.MaxValue, 0, 1200)]
    [InlineData(0, 10, 0, 10)]
    [InlineData(10, 5, 10, 5)]
    [InlineData(500, 600, 500, 600)]      // crosses the store's internal 512-record chunks
    [InlineData(1195, 100, 1195, 5)]      // a page past the end is cut short
    [InlineData(1200, 10, 0, 0)]          // starting at the end: nothing
    [InlineData(5000, 10, 0, 0)]
    [InlineData(0, 0, 0, 0)]
    public void ReadPagesWithStartAndLimit(int start, int limit, int expectedFirst, int expectedCount)
    {
        var store = new RecordStore();
        for (var i = 0; i < 1200; i++)
        {
            store.TryAdd(Record($"k{i}", i.ToString()));
        }

        var page = store.Read(start, limit).Select(r => r.Key).ToArray();

        Assert.Equal(Enumerable.Range(expectedFirst, expectedCount).Select(i => $"k{i}"), page);
    }

    [Fact]
    public void ReadingWhileRecordsArriveSeesEachRecordOnceInOrder()
    {
        var store = new RecordStore();
        for (var i = 0; i < 600; i++)
        {
            store.TryAdd(Record($"k{i}", "0"));
        }

        var seen = new List<string>();
        foreach (var record in store.Read())
        {
            seen.Add(record.Key);
            if (seen.Count == 1)
            {
                store.TryAdd(Record("late", "0"));
            }
        }

        Assert.Equal([.. Enumerable.Range(0, 600).Select(i => $"k{i}"), "late"], seen);
    }

    [Fact]
    public void AddedIsRaisedOnceForEachNewRecordWithItsPosition()
    {
        var store = new RecordStore();
        var added = new List<(string Key, int Position)>();
        store.Added += (record, position) => added.Add((record.Key, position));

        store.TryAdd(Record("a", "1"));
        store.TryAdd(Record("b", "2"));
        store.TryAdd(Record("a", "1"));
        store.TryAdd(Record("a", "3"));

        // A duplicate and a losing conflict ("3" sorts after "1") add nothing.
        Assert.Equal([("a", 0), ("b", 1)], added);
    }

    [Fact]
    public async Task ConcurrentAddsStoreEachKeyExactlyOnce()
    {
        const int threads = 8;
        const int sharedKeys = 500;
        const int ownKeys = 250;
        var store = new RecordStore();
        var positions = new ConcurrentBag<int>();
        store.Added += (_, position) => positions.Add(position);
        var winners = new ConcurrentDictionary<string, int>();
        var doubleWins = 0;
        using var start = new Barrier(threads);

        var workers = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(Timeouts.Request);
            for (var i = 0; i < sharedKeys; i++)
            {
                // Every thread offers every shared record; exactly one copy may be stored.
                if (store.TryAdd(Record($"shared-{i}", "\"shared\"")) == AddOutcome.Added && !winners.TryAdd($"shared-{i}", t))
                {
                    Interlocked.Increment(ref doubleWins);
                }

                if (i < ownKeys)
                {
                    Assert.Equal(AddOutcome.Added, store.TryAdd(Record($"own-{t}-{i}", t.ToString())));
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers).WaitAsync(Timeouts.Converge, TestContext.Current.CancellationToken);

        var expected = sharedKeys + (threads * ownKeys);
        Assert.Equal(expected, store.Count);
        Assert.Equal(0, doubleWins);
        Assert.Equal(sharedKeys, winners.Count);
        var keys = store.Read().Select(r => r.Key).ToArray();
        Assert.Equal(expected, keys.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, expected), positions.Order());
    }

    [Fact]
    public async Task ConcurrentConflictsEndWithTheSameWinnerAsAnyOrder()
    {
        const int threads = 8;
        var store = new RecordStore();
        using var start = new Barrier(threads);

        var workers = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(Timeouts.Request);
            for (var i = 0; i < 200; i++)
            {
                store.TryAdd(Record($"k{i}", t.ToString()));
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers).WaitAsync(Timeouts.Converge, TestContext.Current.CancellationToken);

        // Same creation time and origin: the smallest value bytes ("0") win, whoever came first.
        Assert.Equal(200, store.Count);
        Assert.All(store.Read(), record => Assert.Equal("0", Encoding.UTF8.GetString(record.ValueJson)));
    }

    private static StoredRecord Record(string key, string valueJson, long? createdAt = null, string? origin = null) =>
        new(key, Encoding.UTF8.GetBytes(valueJson), origin, createdAt, hops: 0, traceId: null);

    private static string[] Values(IEnumerable<StoredRecord> records) => records.Select(r => Encoding.UTF8.GetString(r.ValueJson)).ToArray();
}
