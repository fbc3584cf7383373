using System.Collections.Concurrent;
using System.Text;
using AspireP2P.Node.Records;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>The record store is also gossip's de-duplication: the first copy of a key wins, later copies are refused.</summary>
public sealed class RecordStoreTests
{
    [Fact]
    public void FirstCopyOfAKeyWinsAndLaterCopiesAreRefused()
    {
        var store = new RecordStore();
        var first = Record("k", "\"first\"");

        Assert.True(store.TryAdd(first));
        Assert.False(store.TryAdd(Record("k", "\"second\"")));

        Assert.Equal(1, store.Count);
        Assert.True(store.Contains("k"));
        Assert.Same(first, store.Get("k"));
        Assert.Equal(["\"first\""], Values(store.Read()));
    }

    [Fact]
    public void KeysAreCaseSensitive()
    {
        var store = new RecordStore();

        Assert.True(store.TryAdd(Record("abc", "1")));
        Assert.True(store.TryAdd(Record("ABC", "2")));

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
        store.TryAdd(Record("a", "3"));

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
                // Every thread offers every shared key (its own copy); exactly one copy may win.
                if (store.TryAdd(Record($"shared-{i}", t.ToString())) && !winners.TryAdd($"shared-{i}", t))
                {
                    Interlocked.Increment(ref doubleWins);
                }

                if (i < ownKeys)
                {
                    Assert.True(store.TryAdd(Record($"own-{t}-{i}", t.ToString())));
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers).WaitAsync(Timeouts.Converge);

        var expected = sharedKeys + (threads * ownKeys);
        Assert.Equal(expected, store.Count);
        Assert.Equal(0, doubleWins);
        Assert.Equal(sharedKeys, winners.Count);
        var keys = store.Read().Select(r => r.Key).ToArray();
        Assert.Equal(expected, keys.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, expected), positions.Order());
        Assert.All(winners, winner => Assert.Equal(winner.Value.ToString(), Encoding.UTF8.GetString(store.Get(winner.Key)!.ValueJson)));
    }

    private static StoredRecord Record(string key, string valueJson) =>
        new(key, Encoding.UTF8.GetBytes(valueJson), origin: null, createdAtUnixMs: null, hops: 0, traceId: null);

    private static string[] Values(IEnumerable<StoredRecord> records) => records.Select(r => Encoding.UTF8.GetString(r.ValueJson)).ToArray();
}
