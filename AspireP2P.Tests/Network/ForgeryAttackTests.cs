using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>
/// The attack that rewrote a record on every node (issue 9): a stranger opens a plain WebSocket to a middle node and sends
/// one NEW_RECORD that claims another node's record key, with a later creation time. Under "later time wins" that
/// overwrote the record network-wide. Now a key that names a feed is accepted only with that feed's signature, in
/// permissive and strict mode alike: the forgery is refused and counted, and nothing anywhere changes.
/// </summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class ForgeryAttackTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AStrangerCannotRewriteARecordThroughAMiddleNode(bool strict)
    {
        string[] mode = strict ? ["--require-signatures", "true"] : [];
        await using var network = await TestNetwork.StartChainAsync(3, mode);
        var (a, b) = (network[0], network[1]);
        using var posted = await a.PostRecordAsync("legit balance 100");
        posted.EnsureSuccessStatusCode();
        var key = $"{a.Identity.Id}-1";
        await network.WaitForRecordsAsync("\"legit balance 100\"");

        await using var forger = await RawPeer.ConnectAsync(b);
        var later = DateTimeOffset.UtcNow.AddSeconds(50).ToUnixTimeMilliseconds();
        string[] forgeries =
        [
            // The frame from the issue, byte for byte in shape: A's key and origin, a later time, no signature.
            $$"""{"type":"NEW_RECORD","payload":{"key":"{{key}}","value":"forged balance 0"},"v":1,"from":"{{a.Identity.Id}}","origin":"{{a.Identity.Id}}","ts":{{later}},"hops":1}""",
            // The same without our fields: an unsigned record under A's key.
            $$$"""{"type":"NEW_RECORD","payload":{"key":"{{{key}}}","value":"forged balance 0"}}""",
            // With a signature and key that are not A's.
            $$"""{"type":"NEW_RECORD","payload":{"key":"{{key}}","value":"forged balance 0"},"origin":"{{a.Identity.Id}}","seq":1,"ts":{{later}},"sig":"{{Convert.ToBase64String(new byte[64])}}","pk":"{{Convert.ToBase64String(new byte[32])}}","hops":1}""",
        ];
        foreach (var forgery in forgeries)
        {
            await forger.SendTextAsync(forgery);
        }

        await Eventually.UntilAsync(() => b.GetTotalAsync("rejected"), r => r >= forgeries.Length, Timeouts.Converge, "every forgery to be refused and counted");

        // A record posted afterwards crosses the same nodes: once it is everywhere, so would the forgery have been.
        using var after = await a.PostRecordAsync("after the attack");
        after.EnsureSuccessStatusCode();
        await network.WaitForRecordsAsync("\"legit balance 100\"", "\"after the attack\"");
        await network.WaitForEqualDigestsAsync();
        Assert.Equal(forgeries.Length, await b.GetTotalAsync("rejected"));
        Assert.Equal(0, await a.GetTotalAsync("rejected"));
        Assert.Equal(0, await network[2].GetTotalAsync("rejected"));
    }
}
