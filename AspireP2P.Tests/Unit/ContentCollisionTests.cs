using AspireP2P.Node.Reconciliation;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// An origin that signs two entries for some seqs chooses their content, and with it today's content XOR (64-bit keys
/// XORed per feed): linear algebra over GF(2) picks, among 64 seqs signed twice, a set whose two versions XOR alike.
/// Two nodes that hold the two versions of that set then look identical to today's anti-entropy — same high, same gaps,
/// same XOR, same digest — and never settle the conflict. Reconciliation's fingerprints (1024-bit content sums, salted
/// per session) tell them apart, and the session finds exactly those seqs, so both sides settle every conflict.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class ContentCollisionTests : IDisposable
{
    private readonly TestFeed _origin = new(3);

    [Fact]
    public void ACraftedXorCollisionHidesConflictsFromTodaysDigestButNotFromReconciliation()
    {
        var first = Enumerable.Range(1, 64).Select(seq => _origin.Draft(seq, $"\"first {seq}\"")).ToArray();
        var second = Enumerable.Range(1, 64).Select(seq => _origin.Draft(seq, $"\"second {seq}\"")).ToArray();
        var swapped = XorDependentSet(first, second);
        var other = first.Select((entry, i) => swapped.Contains(i) ? second[i] : entry).ToArray();

        var (todayX, todayY) = (TodaysIndex(first), TodaysIndex(other));
        Assert.NotEmpty(swapped);
        Assert.Equal(todayX.Summarize(_origin.Id)!.ContentXor, todayY.Summarize(_origin.Id)!.ContentXor);
        Assert.Equal(todayX.Digest, todayY.Digest);
        Assert.Empty(todayX.MissingAt(todayX.Summarize(_origin.Id)!, todayY.Summarize(_origin.Id)));
        Assert.Empty(todayY.MissingAt(todayY.Summarize(_origin.Id)!, todayX.Summarize(_origin.Id)));

        var (x, y) = (NodeView.Of(first), NodeView.Of(other));
        Assert.NotEqual(x.Feeds.Root, y.Feeds.Root);
        var run = ReconcileRun.Between(x, y);

        TestContext.Current.TestOutputHelper?.WriteLine($"reconcile, {swapped.Count} of 64 entries signed twice, XOR-colliding: {run}");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", run.Transcript));
        var expected = swapped.Select(i => (long)i + 1).Order().ToList();
        Assert.Equal(expected, Seqs(run.InitiatorPushes));
        Assert.Equal(expected, Seqs(run.ResponderPushes));
    }

    /// <summary>
    /// Indices of a non-empty set of seqs whose two versions' content keys XOR to the same value: a linear dependency
    /// among 64 differences of 63-bit keys, found by Gaussian elimination (one always exists).
    /// </summary>
    private static List<int> XorDependentSet(Entry[] first, Entry[] second)
    {
        var basis = new List<(ulong Vector, ulong Combination)>();
        for (var i = 0; i < first.Length; i++)
        {
            var vector = RecordStore.ContentKeyOf(first[i]) ^ RecordStore.ContentKeyOf(second[i]);
            var combination = 1UL << i;
            foreach (var (b, c) in basis)
            {
                if ((vector ^ b) < vector)
                {
                    vector ^= b;
                    combination ^= c;
                }
            }

            if (vector == 0)
            {
                return [.. Enumerable.Range(0, 64).Where(bit => (combination >> bit & 1) != 0)];
            }

            basis.Add((vector, combination));
            basis.Sort((p, q) => q.Vector.CompareTo(p.Vector));
        }

        return [];
    }

    private static FeedIndex TodaysIndex(IEnumerable<Entry> entries)
    {
        var index = new FeedIndex();
        foreach (var entry in entries)
        {
            index.Add(entry.Origin, entry.Seq, RecordStore.ContentKeyOf(entry));
        }

        return index;
    }

    private static List<long> Seqs(List<PushRange> pushes) =>
        [.. pushes.SelectMany(p => Enumerable.Range((int)p.From, (int)(p.To - p.From + 1)).Select(s => (long)s)).Order()];

    public void Dispose() => _origin.Dispose();
}

/// <summary>One node's side for a session, the way a node would build it: a feed table, its record log, the view over both.</summary>
internal static class NodeView
{
    public static ReconcileView Of(IEnumerable<Entry> entries)
    {
        var table = new FeedTable();
        var log = new MemoryRecordLog();
        foreach (var entry in entries)
        {
            Assert.True(table.Add(entry.Origin, entry.Seq, EntrySignature.LeafHash(entry)));
            log.Append(entry.Origin, entry.Seq, RecordStore.ContentKeyOf(entry), RowKind.Visible, EntryCodec.Encode(entry));
        }

        return new ReconcileView(table.Publish(), log, table.Summarize);
    }
}
