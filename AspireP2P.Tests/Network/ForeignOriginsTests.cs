using AspireP2P.Node.Protocol;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>
/// Issue 20, case 6: one stranger pushed 20,000 self-signed feeds and every node remembered them all, ≈ 3.8 KiB each, for
/// good. A link may now bring new feeds only at its rate (P2P:NewOriginsPerSecond, a burst of ten times as many); the
/// rest is refused, counted, and offered again later by honest peers.
/// </summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class ForeignOriginsTests
{
    [Fact]
    public async Task ALinkBringsNewFeedsOnlyAtItsRate()
    {
        await using var node = await TestNode.StartAsync("target", "--P2P:NewOriginsPerSecond", "2");
        using var stranger = new TestFeed(81);
        await using var peer = await SignedPeer.ConnectAsync(node, stranger, TestPorts.Reserve());
        peer.StartHeartbeats();
        var feeds = Enumerable.Range(0, 120).Select(i => new TestFeed((byte)(100 + i))).ToList();
        try
        {
            var started = DateTime.UtcNow;
            foreach (var feed in feeds)
            {
                await peer.SendAsync(MessageCodec.EncodeRecord(feed.Sign(1, "\"one of many\""), feed.PublicKey, 1, null, null, sync: false));
            }

            // Every one of the 120 frames read: stored or refused (reading at "the first refusal" raced the rest of the burst).
            await Eventually.UntilAsync(() => node.GetTotalAsync("rejected"), r => r > 0 && r + node.Core.Store.FeedCount >= 120, Timeouts.Converge,
                "every feed of the burst stored or refused");
            var elapsed = (DateTime.UtcNow - started).TotalSeconds;
            var held = node.Core.Store.FeedCount;

            // A burst of 20, then 2 a second.
            Assert.InRange(held, 20, 20 + (int)Math.Ceiling(2 * (elapsed + 1)));
            Assert.Equal(120 - held, await node.GetTotalAsync("rejected"));

            // An honest feed the node already holds goes on at any rate.
            var known = feeds[0];
            await peer.SendAsync(MessageCodec.EncodeRecord(known.Sign(2, "\"more of a feed it holds\""), known.PublicKey, 1, null, null, sync: false));
            await Eventually.UntilAsync(async () => (await node.GetRecordsRawAsync()).Contains("\"more of a feed it holds\""), Timeouts.Converge,
                "the next record of a held feed");
        }
        finally
        {
            feeds.ForEach(f => f.Dispose());
        }
    }
}
