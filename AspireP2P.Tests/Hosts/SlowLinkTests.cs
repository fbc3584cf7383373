using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Hosts;

/// <summary>Links that are slow, jittery and lossy, as the kernel makes them: the network still converges.</summary>
[Trait(Tier.Category, Tier.Hosts)]
[Collection(HostsRunAlone.Name)]
public sealed class SlowLinkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task FiveHostsConvergeWithHundredMillisecondLatencyJitterAndFivePercentLoss()
    {
        await using var network = await HostNetwork.StartChainAsync(5, "--target-peers", "3");
        await network.DelayAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(20));
        await network.LossAsync(5);

        var posted = new List<string>();
        var sent = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            foreach (var host in new[] { 1, 3, 5 })
            {
                var value = $"host-{host}-slow-{i}";
                using var response = await network[host].Http.PostAsJsonAsync("/record", new { record = value }, TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                posted.Add(value);
            }
        }

        var digest = await network.WaitConvergedAsync(posted.Count, Timeouts.Converge * 2);
        output.WriteLine($"{posted.Count} records on all 5 hosts {sent.Elapsed.TotalSeconds:0.00} s after the first was posted, at 100 ± 20 ms and 5 % loss ({digest})");
        foreach (var node in network.Nodes)
        {
            var held = (await node.Http.GetFromJsonAsync<JsonElement[]>("/records", TestContext.Current.CancellationToken))!.Select(v => v.GetString()).ToHashSet();
            Assert.All(posted, value => Assert.Contains(value, held));
        }
    }

    [Fact]
    public async Task OneHopTakesTheLinksDelay()
    {
        var delay = TimeSpan.FromMilliseconds(50);
        await using var network = await HostNetwork.StartChainAsync(2);
        await Eventually.UntilAsync(() => network.IsLinkedAsync(1, 2), Timeouts.Connect, "host 1 to be linked with host 2");
        await network.DelayAsync(delay, TimeSpan.Zero);

        // Posted at host 1 and observed at host 2, both from this process over the bridge (which is not delayed):
        // what is measured is the hop from host 1 to host 2.
        var hops = new List<TimeSpan>();
        for (var i = 1; i <= 15; i++)
        {
            var posted = Stopwatch.StartNew();
            using (var response = await network[1].Http.PostAsJsonAsync("/record", new { record = $"hop-{i}" }, TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            }

            while ((await network[2].GetHoldingsAsync()).Records < i)
            {
                Assert.True(posted.Elapsed < Timeouts.Converge, $"record {i} did not reach host 2 within {Timeouts.Converge.TotalSeconds} s");
                await Task.Delay(TimeSpan.FromMilliseconds(2), TestContext.Current.CancellationToken);
            }

            hops.Add(posted.Elapsed);
        }

        var sorted = hops.Order().ToList();
        output.WriteLine($"one hop under {delay.TotalMilliseconds} ms of netfilter-queue delay, {hops.Count} records: median {sorted[hops.Count / 2].TotalMilliseconds:0.0} ms, " +
            $"min {sorted[0].TotalMilliseconds:0.0} ms, max {sorted[^1].TotalMilliseconds:0.0} ms");
        Assert.All(hops, hop => Assert.True(hop >= delay, $"a hop took {hop.TotalMilliseconds:0.0} ms, less than the link's {delay.TotalMilliseconds} ms delay"));
    }
}
