using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Hosts;

/// <summary>Nodes on hosts of their own, each listening on its host's address and dialing the others by theirs.</summary>
[Trait(Tier.Category, Tier.Hosts)]
[Collection(HostsRunAlone.Name)]
public sealed class ChainOnHostsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task FiveHostChainWithPeerExchangeBecomesAMeshAndConverges()
    {
        await using var network = await HostNetwork.StartChainAsync(5, "--target-peers", "3");

        foreach (var node in network.Nodes)
        {
            var peers = await Eventually.UntilAsync(node.GetPeersAsync, p => p.Length >= 3, Timeouts.Converge, $"{node.Name} to reach 3 peers by peer exchange");
            // Peers by their host addresses, never loopback.
            Assert.All(peers, peer => Assert.Contains(peer, network.Hosts.Select(h => $"ws://{network.Address(h)}:{HostNetwork.Port}")));
        }

        foreach (var host in new[] { 1, 5 })
        {
            using var response = await network[host].Http.PostAsJsonAsync("/record", new { record = $"from host {host}" }, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var digest = await network.WaitConvergedAsync(2, Timeouts.Converge);
        var records = await network[3].Http.GetFromJsonAsync<JsonElement[]>("/records", TestContext.Current.CancellationToken);
        Assert.Equal(["from host 1", "from host 5"], records!.Select(r => r.GetString()).Order());
        output.WriteLine($"mesh degrees {string.Join(", ", await Task.WhenAll(network.Nodes.Select(async n => (await n.GetPeersAsync()).Length)))}; digest {digest} on all 5 hosts");
    }
}
