using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Hosts;

/// <summary>
/// Trust across hosts of their own: hosts holding the network key link and share records over their own addresses; a host
/// without the key can neither dial in nor be dialed, and its refusal says why.
/// </summary>
[Trait(Tier.Category, Tier.Hosts)]
[Collection(HostsRunAlone.Name)]
public sealed class NetworkKeyAcrossHostsTests
{
    private const string Key = "hosts-network-secret-0123";

    [Fact]
    public async Task AHostWithoutTheNetworkKeyCannotJoin()
    {
        await using var network = await HostNetwork.CreateAsync(3);
        await network.StartNodeAsync(1, "--network-key", Key);
        await network.StartNodeAsync(2, "--network-key", Key, "--peers", $"{network.Address(1)}:{HostNetwork.Port}");
        var stranger = await network.StartNodeAsync(3);
        await Eventually.UntilAsync(() => network.IsLinkedAsync(1, 2), Timeouts.Connect, "the two hosts holding the key to link");

        // The stranger dials in: refused, and told why.
        using var dialIn = await stranger.Http.PostAsJsonAsync("/peer", new { targetUrl = $"{network.Address(1)}:{HostNetwork.Port}" }, TestContext.Current.CancellationToken)
            .WaitAsync(Timeouts.Connect, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadGateway, dialIn.StatusCode);
        var refusal = await dialIn.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains("network key", refusal.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A keyed host dials the stranger: it will not link to a node that cannot prove the key.
        using var dialOut = await network[2].Http.PostAsJsonAsync("/peer", new { targetUrl = $"{network.Address(3)}:{HostNetwork.Port}" }, TestContext.Current.CancellationToken)
            .WaitAsync(Timeouts.Connect, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadGateway, dialOut.StatusCode);

        // Records flow between the keyed hosts, never to the stranger.
        using var posted = await network[1].Http.PostAsJsonAsync("/record", new { record = "inside" }, TestContext.Current.CancellationToken)
            .WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        posted.EnsureSuccessStatusCode();
        await Eventually.UntilAsync(() => network[2].GetHoldingsAsync(), h => h.Records == 1, Timeouts.Converge, "host 2 to hold the record");
        Assert.False(await network.IsLinkedAsync(1, 3));
        Assert.False(await network.IsLinkedAsync(2, 3));
        Assert.Equal(0, (await stranger.GetHoldingsAsync()).Records);
    }
}
