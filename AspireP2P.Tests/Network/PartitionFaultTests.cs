using System.Net;
using System.Net.Http.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Network;

/// <summary>
/// The development partition fault (<c>--dev-faults</c>) behaves as a real partition under TCP: a link that outlives it
/// delivers what it carried meanwhile, late and in order; nothing is silently dropped from an open link (the convergence
/// argument counts records in flight on an open link as arriving).
/// </summary>
[Trait(Tier.Category, Tier.Network)]
public sealed class PartitionFaultTests
{
    [Fact]
    public async Task ARecordSentDuringAPartitionShorterThanTheHeartbeatTimeoutArrivesAfterTheHeal()
    {
        await using var network = await TestNetwork.StartChainAsync(3, "--dev-faults", "true");
        using var before = await network[1].PostRecordAsync("before the partition");
        await network.WaitForRecordsAsync("\"before the partition\"");
        var links = network[0].Core.Context.Links.Snapshot.Select(l => l.PeerId).ToList();

        using var partition = await network[0].Http.PostAsJsonAsync("/api/dev/partition", new { seconds = 3600 }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, partition.StatusCode);
        using var meanwhile = await network[1].PostRecordAsync("sent while node-0 was dark");
        await Eventually.UntilAsync(() => network[2].GetRecordsRawAsync(), r => r.Contains("\"sent while node-0 was dark\""), Timeouts.Converge, "node-2 to get the record");
        Assert.DoesNotContain("\"sent while node-0 was dark\"", await network[0].GetRecordsRawAsync());
        using var heal = await network[0].Http.PostAsync("/api/dev/heal", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, heal.StatusCode);

        await network.WaitForRecordsAsync("\"before the partition\"", "\"sent while node-0 was dark\"");
        // The same link carried it: the partition was shorter than the heartbeat timeout.
        Assert.Equal(links, network[0].Core.Context.Links.Snapshot.Select(l => l.PeerId).ToList());
    }
}
