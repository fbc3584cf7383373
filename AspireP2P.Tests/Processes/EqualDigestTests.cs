using System.Globalization;
using System.Net;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// Issue 15, case 1: a digest that says two sets are equal must never stop two nodes from exchanging what they lack. The
/// node before the rewrite started a link at the end of its log when the peer's digest equalled its own, and ran its
/// anti-entropy only when digests differed; its digest (count and XOR of an unkeyed 64-bit hash) can be steered.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class EqualDigestTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PartitionedNodesWhoseDigestsCollideStillExchangeEveryRecordWhenTheyMeetAgain()
    {
        await using var a = await NodeProcess.StartAsync("a", TestPorts.Reserve());
        await using var b = await NodeProcess.StartAsync("b", TestPorts.Reserve());
        Assert.Equal(HttpStatusCode.Created, await a.AddPeerAsync(b));
        var shared = await a.PostRecordAsync("written before the partition");
        Assert.True(shared.Created, shared.ToString());
        await Eventually.UntilAsync(async () => (await b.GetValuesAsync()).Contains(NodeApiReads.Json("written before the partition")), Timeouts.Converge, "b to receive a's first record");

        // The partition: both drop their links and forget each other (POST /peer linked them, so neither re-dials).
        await Task.WhenAll(DisconnectAllAsync(a), DisconnectAllAsync(b));
        await Eventually.UntilAsync(async () => (await a.GetPeersAsync()).Length + (await b.GetPeersAsync()).Length == 0, Timeouts.Connect, "a and b to have no links");

        // Each side writes a probe (its key tells the next keys), then four records whose values make the old digests equal.
        var probeA = await a.PostRecordAsync("probe a");
        var probeB = await b.PostRecordAsync("probe b");
        Assert.True(probeA.Created && probeB.Created, $"{probeA}; {probeB}");
        string[] keys = [.. NextKeys(probeA.Key!), .. NextKeys(probeB.Key!)];
        var target = OldDigestCollision.Hash(probeA.Key!, NodeApiReads.Json("probe a")) ^ OldDigestCollision.Hash(probeB.Key!, NodeApiReads.Json("probe b"));
        var values = OldDigestCollision.Find(keys, target);
        for (var i = 0; i < 8; i++)
        {
            var answer = await (i < 4 ? a : b).PostRecordAsync(values[i]);
            Assert.True(answer.Created, answer.ToString());
            Assert.Equal(keys[i], answer.Key);
        }

        // Still apart: nothing crossed yet.
        Assert.DoesNotContain(NodeApiReads.Json(values[4]), await a.GetValuesAsync());
        Assert.DoesNotContain(NodeApiReads.Json(values[0]), await b.GetValuesAsync());
        var before = await Task.WhenAll(a.GetHoldingsAsync(), b.GetHoldingsAsync());
        output.WriteLine($"apart: a {before[0].Records} records, digest {before[0].Digest}; b {before[1].Records} records, digest {before[1].Digest}; equal: {before[0] == before[1]}");

        // The link comes back: every record must cross, whatever the digests say.
        Assert.Equal(HttpStatusCode.Created, await a.AddPeerAsync(b));
        string[] expected = [.. ((string[])["written before the partition", "probe a", "probe b", .. values]).Select(NodeApiReads.Json)];
        var after = await Eventually.UntilAsync(
            async () => (HeldByA: expected.Count((await a.GetValuesAsync()).Contains), HeldByB: expected.Count((await b.GetValuesAsync()).Contains)),
            held => held.HeldByA == expected.Length && held.HeldByB == expected.Length,
            Timeouts.Converge,
            $"a and b to hold all {expected.Length} records after the partition healed (observed: how many each holds)");
        output.WriteLine($"healed: a and b hold all {after.HeldByA} records");
    }

    /// <summary>The four keys a node gives its next records after the one it called <paramref name="key"/> (<c>&lt;id&gt;-&lt;seq&gt;</c>).</summary>
    private static IEnumerable<string> NextKeys(string key)
    {
        var dash = key.LastIndexOf('-');
        var seq = long.Parse(key[(dash + 1)..], CultureInfo.InvariantCulture);
        return Enumerable.Range(1, 4).Select(i => key[..(dash + 1)] + (seq + i).ToString(CultureInfo.InvariantCulture));
    }

    private static async Task DisconnectAllAsync(NodeProcess node)
    {
        using var response = await node.Http.PostAsync("/api/peers/disconnect", content: null, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
