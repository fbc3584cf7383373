using System.Text;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>
/// An origin that signs two different entries for one seq (a bug, or a copied data directory) is a conflict, and it is
/// settled from the two entries alone — the smaller leaf hash wins — so every node ends with the same one.
/// </summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class ConflictTests
{
    [Fact]
    public async Task TwoEntriesSignedForOneSeqAreSettledTheSameWayOnEveryNode()
    {
        await using var network = await TestNetwork.StartUnconnectedAsync(2);
        using var twoFaced = new TestFeed(99);
        var one = twoFaced.Sign(1, "\"one\"");
        var other = twoFaced.Sign(1, "\"other\"");
        var winner = EntrySignature.LeafHash(one).AsSpan().SequenceCompareTo(EntrySignature.LeafHash(other)) < 0 ? one : other;

        // The same origin tells each of two nodes, apart, a different story about its seq 1.
        await using var toFirst = await SignedPeer.ConnectAsync(network[0], twoFaced, TestPorts.Reserve());
        await using var toSecond = await SignedPeer.ConnectAsync(network[1], twoFaced, TestPorts.Reserve());
        await toFirst.SendTextAsync(Frame(one, twoFaced.PublicKey));
        await toSecond.SendTextAsync(Frame(other, twoFaced.PublicKey));
        await Eventually.UntilAsync(network[0].GetRecordsRawAsync, r => r.SequenceEqual(["\"one\""]), Timeouts.Converge, "node-0 to hold one story");
        await Eventually.UntilAsync(network[1].GetRecordsRawAsync, r => r.SequenceEqual(["\"other\""]), Timeouts.Converge, "node-1 to hold the other");

        // Linked, their vectors show equal seqs with different content: each sends the other the feed, and both keep the
        // winner, whichever they held.
        using var link = await network[1].PostPeerAsync(network[0].Address);
        link.EnsureSuccessStatusCode();
        var expected = Encoding.UTF8.GetString(winner.Value);
        await network.WaitForRecordsAsync(expected);
        await network.WaitForEqualDigestsAsync();
        // The node that held the loser replaced it, and says so.
        var loserHolder = winner == one ? network[1] : network[0];
        Assert.True(await loserHolder.GetTotalAsync("conflicts") >= 1, $"{loserHolder.Name} counts the conflict it settled");
    }

    private static string Frame(Entry entry, byte[] publicKey) =>
        Encoding.UTF8.GetString(MessageCodec.EncodeRecord(entry, publicKey, hops: 1, traceparent: null, tracestate: null, sync: false));
}
