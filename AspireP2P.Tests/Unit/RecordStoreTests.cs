using System.Text;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The record store is gossip's de-duplication (a second copy of a feed entry is refused before anything else happens),
/// what GET /records reads (visible records only, in log order), and where an origin's double signing is settled the
/// same way on every node.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class RecordStoreTests : IDisposable
{
    private readonly TestFeed _alice = new(1);
    private readonly TestFeed _bob = new(2);

    [Fact]
    public void SecondCopyOfAnEntryIsADuplicateAndChangesNothing()
    {
        var store = new RecordStore(new MemoryRecordLog());
        var entry = _alice.Sign(1, "\"same\"");

        var first = store.Append(entry, _alice.PublicKey);
        var digest = store.Digest;
        var second = store.Append(_alice.Sign(1, "\"same\""), _alice.PublicKey);

        Assert.Equal(new AppendResult(AppendOutcome.Added, 0), first);
        Assert.Equal(AppendOutcome.Duplicate, second.Outcome);
        Assert.False(second.Stored);
        Assert.Equal((1L, 1L), (store.Count, store.Length));
        Assert.Equal(digest, store.Digest);
        Assert.True(store.Contains(_alice.Id, 1));
        Assert.False(store.Contains(_alice.Id, 2));
        Assert.Equal(1, store.HighOf(_alice.Id));
        Assert.Equal(_alice.PublicKey, store.PublicKeyOf(_alice.Id));
        Assert.Equal(["\"same\""], Values(store));
    }

    [Fact]
    public void TheSameTutorialRecordAdoptedByTwoNodesIsTwoFeedEntriesAndOneVisibleRecord()
    {
        var store = new RecordStore(new MemoryRecordLog());
        var byAlice = _alice.Sign(1, "\"from a tutorial node\"", EntryTraits.Adopted, key: "k2x9f0a1b");
        var byBob = _bob.Sign(4, "\"from a tutorial node\"", EntryTraits.Adopted, key: "k2x9f0a1b");

        Assert.False(store.ContainsAdopted("k2x9f0a1b", "\"from a tutorial node\""u8));
        Assert.Equal(AppendOutcome.Added, store.Append(byAlice, _alice.PublicKey, 1).Outcome);
        Assert.True(store.ContainsAdopted("k2x9f0a1b", "\"from a tutorial node\""u8));
        Assert.False(store.ContainsAdopted("k2x9f0a1b", "\"another value\""u8));
        Assert.Equal(AppendOutcome.AddedHidden, store.Append(byBob, _bob.PublicKey, 1).Outcome);

        // Both entries are held (and offered to peers, whose feeds must match ours), but readers see one record.
        Assert.True(store.Contains(_alice.Id, 1) && store.Contains(_bob.Id, 4));
        Assert.Equal((1L, 2L), (store.Count, store.Length));
        Assert.Equal(["\"from a tutorial node\""], Values(store));
        var buffer = new StoredEntry?[2];
        Assert.Equal(2, store.Read(0, buffer));
        Assert.Equal([RowKind.Visible, RowKind.Hidden], buffer.Select(b => b!.Kind));
    }

    [Fact]
    public void TwoEntriesSignedForOneSeqAreSettledByTheSmallerLeafHashWhateverTheOrderOfArrival()
    {
        var one = _alice.Sign(5, "\"one\"");
        var other = _alice.Sign(5, "\"other\"");
        var (winner, loser) = Compare(EntrySignature.LeafHash(one), EntrySignature.LeafHash(other)) < 0 ? (one, other) : (other, one);
        var loserFirst = new RecordStore(new MemoryRecordLog());
        var winnerFirst = new RecordStore(new MemoryRecordLog());

        loserFirst.Append(loser, _alice.PublicKey, 1);
        var replaced = loserFirst.Append(winner, _alice.PublicKey, 2, checkConflict: true);
        winnerFirst.Append(winner, _alice.PublicKey, 1);
        var kept = winnerFirst.Append(loser, _alice.PublicKey, 2, checkConflict: true);

        Assert.Equal(AppendOutcome.Replaced, replaced.Outcome);
        Assert.True(replaced.Stored);
        Assert.Equal(AppendOutcome.ConflictLost, kept.Outcome);
        Assert.Equal([Text(winner)], Values(loserFirst));
        Assert.Equal([Text(winner)], Values(winnerFirst));
        Assert.Equal(winnerFirst.Digest, loserFirst.Digest);
        Assert.Equal((1L, 1L), (loserFirst.Count, winnerFirst.Count));
        // The winner is appended (so every link's cursor sends it on); the loser's row stays, retired.
        Assert.Equal(2, loserFirst.Length);
        var rows = new StoredEntry?[2];
        loserFirst.Read(0, rows);
        Assert.Equal(RowKind.Retired, rows[0]!.Kind);
        Assert.Equal(Text(winner), Text(Assert.Single(loserFirst.ReadFeed(_alice.Id, 5, 5, 10)).Entry));
    }

    [Fact]
    public void ALiveCopyIsNotComparedOnlyACatchUpCopyIs()
    {
        // Live copies are de-duplicated by (origin, seq) alone, before any signature is checked; conflicts are looked for
        // when vectors show them, in catch-up copies.
        var store = new RecordStore(new MemoryRecordLog());
        store.Append(_alice.Sign(5, "\"one\""), _alice.PublicKey, 1);

        Assert.Equal(AppendOutcome.Duplicate, store.Append(_alice.Sign(5, "\"other\""), _alice.PublicKey, 2).Outcome);
        Assert.Equal(AppendOutcome.Duplicate, store.Append(_alice.Sign(5, "\"one\""), _alice.PublicKey, 2, checkConflict: true).Outcome);
    }

    [Fact]
    public void AnEntryThatWouldOpenOneGapTooManyIsDeferredUntilTheGapsFill()
    {
        var store = new RecordStore(new MemoryRecordLog());
        // Even seqs only: each opens a gap below it.
        for (var i = 1; i <= FeedIndex.MaxGaps; i++)
        {
            Assert.Equal(AppendOutcome.Added, store.Append(_alice.Draft(2L * i, "1"), _alice.PublicKey, 1).Outcome);
        }

        var high = 2L * FeedIndex.MaxGaps;
        var length = store.Length;
        Assert.Equal(new AppendResult(AppendOutcome.Deferred, -1), store.Append(_alice.Draft(high + 2, "1"), _alice.PublicKey, 1));
        Assert.Equal(length, store.Length);
        Assert.False(store.Contains(_alice.Id, high + 2));

        // The next seq opens no gap; filling one makes room for a far one again. Other feeds are not affected.
        Assert.Equal(AppendOutcome.Added, store.Append(_alice.Draft(high + 1, "1"), _alice.PublicKey, 1).Outcome);
        Assert.Equal(AppendOutcome.Added, store.Append(_bob.Draft(1000, "1"), _bob.PublicKey, 1).Outcome);
        Assert.Equal(AppendOutcome.Added, store.Append(_alice.Draft(1, "1"), _alice.PublicKey, 1).Outcome);
        Assert.Equal(AppendOutcome.Added, store.Append(_alice.Draft(high + 3, "1"), _alice.PublicKey, 1).Outcome);
    }

    [Fact]
    public async Task AFailedLogRefusesEveryAppendAndSaysSo()
    {
        var log = new MemoryRecordLog();
        var store = new RecordStore(log);
        var held = store.Append(_alice.Sign(1, "1"), _alice.PublicKey, 1);
        log.FailWrites("disk full");

        var refused = store.Append(_alice.Sign(2, "2"), _alice.PublicKey, 1);

        Assert.Equal(new AppendResult(AppendOutcome.Failed, -1), refused);
        Assert.Equal("disk full", store.Failure?.Message);
        Assert.False(store.Contains(_alice.Id, 2));
        Assert.Equal(1, store.Count);
        // What was stored before stays durable; nothing later is ever acknowledged as durable.
        await store.WaitDurableAsync(held.Position, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<RecordLogFailedException>(() => store.WaitDurableAsync(1, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void ReadersSeeVisibleRecordsInLogOrderFromAnyPosition()
    {
        var store = new RecordStore(new MemoryRecordLog());
        store.Append(_alice.Sign(1, "\"a1\""), _alice.PublicKey, 1);
        store.Append(_bob.Sign(1, "\"b1\"", EntryTraits.Adopted, key: "t"), _bob.PublicKey, 1);
        store.Append(_alice.Sign(2, "\"hidden\"", EntryTraits.Adopted, key: "t2"), _alice.PublicKey, 1);
        store.Append(_bob.Sign(2, "\"hidden\"", EntryTraits.Adopted, key: "t2"), _bob.PublicKey, 1);
        store.Append(_alice.Sign(3, "\"a3\""), _alice.PublicKey, 1);

        Assert.Equal(["\"a1\"", "\"b1\"", "\"hidden\"", "\"a3\""], Values(store));
        Assert.Equal([2L, 4L], store.Visible(2).Select(v => v.Position));
        Assert.Empty(store.Visible(5));
        Assert.Equal(4, store.Count);
    }

    [Fact]
    public void WhatAPeerLacksIsComputedFeedByFeedFromItsVector()
    {
        var store = new RecordStore(new MemoryRecordLog());
        foreach (var seq in new long[] { 1, 2, 3, 7, 8, 9, 10 })
        {
            store.Append(_alice.Draft(seq, "1"), _alice.PublicKey, 1);
        }

        store.Append(_bob.Draft(1, "1"), _bob.PublicKey, 1);
        store.Append(_bob.Draft(2, "1"), _bob.PublicKey, 1);

        // The peer holds alice 1..3 and 8, and nothing of bob's.
        var theirs = new Dictionary<NodeId, FeedView> { [_alice.Id] = new(8, 1, [4, 7]) };
        var missing = store.Missing(theirs);

        Assert.Equal(
            new[] { (_alice.Id, 7L, 7L), (_alice.Id, 9L, 10L), (_bob.Id, 1L, 2L) }.OrderBy(m => m.Item1),
            missing.OrderBy(m => m.Origin));
        Assert.Empty(store.Missing(store.SummariesSince(0).Feeds.ToDictionary(s => s.Origin, FeedView.Of)));
    }

    [Fact]
    public void ReadFeedReturnsOneFeedsEntriesInSeqOrderWithTheirPositions()
    {
        var store = new RecordStore(new MemoryRecordLog());
        store.Append(_alice.Draft(3, "3"), _alice.PublicKey, 1);
        store.Append(_bob.Draft(1, "1"), _bob.PublicKey, 1);
        store.Append(_alice.Draft(1, "1"), _alice.PublicKey, 1);
        store.Append(_alice.Draft(2, "2"), _alice.PublicKey, 1);

        var feed = store.ReadFeed(_alice.Id, 1, 3, max: 10);

        Assert.Equal([(2L, 1L), (3L, 2L), (0L, 3L)], feed.Select(f => (f.Position, f.Entry.Seq)));
        Assert.Equal([2L], store.ReadFeed(_alice.Id, 2, 3, max: 1).Select(f => f.Entry.Seq));
    }

    [Fact]
    public void SubscribersAreWokenByEveryStoredEntryAndNotByDuplicates()
    {
        var store = new RecordStore(new MemoryRecordLog());
        var wakes = 0;
        var subscription = store.Subscribe(() => Interlocked.Increment(ref wakes));

        store.Append(_alice.Draft(1, "1"), _alice.PublicKey, 1);
        store.Append(_alice.Draft(1, "1"), _alice.PublicKey, 1);
        store.Append(_alice.Draft(2, "1"), _alice.PublicKey, 1);
        subscription.Dispose();
        store.Append(_alice.Draft(3, "1"), _alice.PublicKey, 1);

        Assert.Equal(2, wakes);
    }

    [Fact]
    public void AStoreOpenedOnAnExistingLogHoldsWhatItHeld()
    {
        var log = new MemoryRecordLog();
        var before = new RecordStore(log);
        before.Append(_alice.Sign(1, "\"a\""), _alice.PublicKey, 1);
        before.Append(_alice.Sign(2, "\"hidden\"", EntryTraits.Adopted, key: "t"), _alice.PublicKey, 1);
        before.Append(_bob.Sign(1, "\"hidden\"", EntryTraits.Adopted, key: "t"), _bob.PublicKey, 1);
        before.Append(_bob.Sign(3, "\"b\""), _bob.PublicKey, 1);

        var after = new RecordStore(log);

        Assert.Equal(before.Digest, after.Digest);
        Assert.Equal((before.Count, before.Length), (after.Count, after.Length));
        Assert.Equal(Values(before), Values(after));
        Assert.Equal(3, after.HighOf(_bob.Id));
        Assert.Equal(_bob.PublicKey, after.PublicKeyOf(_bob.Id));
        Assert.True(after.Contains(_alice.Id, 2));
        Assert.Equal(AppendOutcome.Duplicate, after.Append(_bob.Sign(3, "\"b\""), _bob.PublicKey, 1).Outcome);
    }

    [Fact]
    public void ContentKeysTellAdoptedRecordsByKeyAndValueAndSignedOnesByTheirLeaf()
    {
        var adopted = RecordStore.ContentKeyOf(_alice.Sign(1, "1", EntryTraits.Adopted, key: "t"));

        Assert.Equal(adopted, RecordStore.ContentKeyOf(_bob.Sign(9, "1", EntryTraits.Adopted, key: "t")));
        Assert.NotEqual(adopted, RecordStore.ContentKeyOf(_bob.Sign(9, "2", EntryTraits.Adopted, key: "t")));
        Assert.NotEqual(adopted, RecordStore.ContentKeyOf(_bob.Sign(9, "1", EntryTraits.Adopted, key: "u")));
        Assert.NotEqual(RecordStore.ContentKeyOf(_alice.Sign(1, "1")), RecordStore.ContentKeyOf(_bob.Sign(1, "1")));
    }

    private static string[] Values(RecordStore store) => store.Visible().Select(v => Text(v.Item.Entry)).ToArray();

    private static string Text(Entry entry) => Encoding.UTF8.GetString(entry.Value);

    private static int Compare(byte[] left, byte[] right) => left.AsSpan().SequenceCompareTo(right);

    public void Dispose()
    {
        _alice.Dispose();
        _bob.Dispose();
    }
}
