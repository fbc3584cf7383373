using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// A node at its link cap (P2P:MaxPeers). Issue 15, case 2: the node before the rewrite accepted every connection but
/// refused to dial back at its cap, leaving nodes that could send to it and never receive, and said Healthy. Issue 11:
/// it checked the cap and created the peer under separate locks, and never checked it for the peers it was told to dial.
/// </summary>
[Trait(Tier.Category, Tier.Process)]
public sealed class LinkCapTests(ITestOutputHelper output)
{
    private const int Cap = 2;

    private static readonly NodeLaunch CappedHub = NodeLaunch.With(("P2P__MaxPeers", Cap.ToString()));

    [Fact]
    public async Task EveryNodeThatSaysItIsHealthyReceivesTheRecordsOfTheHubItJoined()
    {
        var nodes = new List<NodeProcess>();
        try
        {
            var hub = await NodeProcess.StartAsync(CappedHub, "hub", TestPorts.Reserve());
            nodes.Add(hub);
            var joiners = new List<NodeProcess>();
            for (var i = 1; i <= 2 * Cap; i++)
            {
                var joiner = await NodeProcess.StartAsync($"joiner-{i}", TestPorts.Reserve(), "--peers", hub.Address);
                nodes.Add(joiner);
                joiners.Add(joiner);
            }

            // Each joiner has linked to the hub, or been refused with a reason it shows.
            foreach (var joiner in joiners)
            {
                await Eventually.UntilAsync(() => SettledAsync(joiner, hub), Timeouts.Connect, $"{joiner.Name} to link to the hub or show why not");
            }

            var answer = await hub.PostRecordAsync("from the hub");
            Assert.True(answer.Created, answer.ToString());
            var value = NodeApiReads.Json("from the hub");

            // A node that says Healthy receives records; one that does not receive them must not say Healthy.
            var states = await Eventually.UntilAsync(
                () => Task.WhenAll(joiners.Select(async j => new JoinerState(j.Name, await j.GetHealthAsync(), (await j.GetValuesAsync()).Contains(value)))),
                rows => rows.All(r => r.HasRecord || r.Health != "Healthy"),
                Timeouts.Converge,
                "every joiner to receive the hub's record or say it is not healthy");
            foreach (var (joiner, _) in joiners.Zip(states).Where(pair => !pair.Second.HasRecord))
            {
                var row = Assert.Single(await joiner.GetPeerRowsAsync(), r => r.Address == hub.Address);
                Assert.False(string.IsNullOrEmpty(row.LastError), $"{joiner.Name} lacks the hub's records and does not say why");
                output.WriteLine($"{joiner.Name}: {row.State}, {row.LastError}");
            }

            output.WriteLine(string.Join(Environment.NewLine, states));
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ANodeNeverHoldsMoreLinksThanItsCapWhateverDialsItAtOnce()
    {
        var nodes = new List<NodeProcess>();
        try
        {
            // Peers the hub is told to dial at start, more than its cap...
            var targets = await Task.WhenAll(Enumerable.Range(1, 2 * Cap + 1).Select(i => NodeProcess.StartAsync($"target-{i}", TestPorts.Reserve())));
            nodes.AddRange(targets);
            var hub = await NodeProcess.StartAsync(CappedHub, "hub", TestPorts.Reserve(), "--peers", string.Join(',', targets.Select(t => t.Address)));
            nodes.Add(hub);

            // ...and nodes that all dial it at once.
            var dialers = await Task.WhenAll(Enumerable.Range(1, 2 * Cap).Select(i => NodeProcess.StartAsync($"dialer-{i}", TestPorts.Reserve(), "--peers", hub.Address)));
            nodes.AddRange(dialers);

            var most = 0;
            await Eventually.UntilAsync(
                async () =>
                {
                    var links = await HubLinksAsync(hub);
                    most = Math.Max(most, links);
                    Assert.True(links <= Cap, $"the hub holds {links} links; its cap is {Cap}");
                    var hubRows = await hub.GetPeerRowsAsync();
                    var dialersSettled = await Task.WhenAll(dialers.Select(d => SettledAsync(d, hub)));
                    return targets.All(t => hubRows.Any(r => r.Address == t.Address && (r.State == "Connected" || r.LastError is not null)))
                        && dialersSettled.All(settled => settled);
                },
                Timeouts.Connect,
                "every dial to and from the hub to have linked or been refused");

            Assert.True(await HubLinksAsync(hub) <= Cap);
            output.WriteLine($"the hub held at most {most} links (cap {Cap}) with {targets.Length} peers to dial and {dialers.Length} dialing it");
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    private sealed record JoinerState(string Name, string Health, bool HasRecord);

    /// <summary>The hub's links as each view counts them: GET /peers, GET /api/node's peers, connected rows of GET /api/peers.</summary>
    private static async Task<int> HubLinksAsync(NodeProcess hub)
    {
        var listed = (await hub.GetPeersAsync()).Length;
        var counted = (await hub.GetNodeInfoAsync()).GetProperty("peers").GetInt32();
        var connected = (await hub.GetPeerRowsAsync()).Count(r => r.State == "Connected");
        return Math.Max(listed, Math.Max(counted, connected));
    }

    /// <summary>Linked to the hub, or refused with a reason it shows.</summary>
    private static async Task<bool> SettledAsync(NodeProcess node, NodeProcess hub) =>
        (await node.GetPeerRowsAsync()).Any(r => r.Address == hub.Address && (r.State == "Connected" || r.LastError is not null));
}
