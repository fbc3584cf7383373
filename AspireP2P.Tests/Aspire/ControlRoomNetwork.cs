using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AspireP2P.Tests.Aspire;

/// <summary>
/// An AppHost network as the control room's tests see it: resource snapshots (relationships, properties, health
/// reports, the <c>network</c> resource) next to what the nodes themselves report over their API.
/// </summary>
public abstract class ControlRoomNetwork(int nodeCount, params string[] appHostArgs) : AspireNetwork(nodeCount, withDashboard: false, appHostArgs)
{
    public const string Network = ControlRoom.NetworkResourceName;

    /// <summary>The resource's latest snapshot.</summary>
    public async Task<CustomResourceSnapshot> SnapshotAsync(string resource) =>
        (await App.ResourceNotifications.WaitForResourceAsync(resource, _ => true, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken)).Snapshot;

    /// <summary>Waits for a snapshot of the resource that satisfies the condition.</summary>
    public async Task<CustomResourceSnapshot> WaitForSnapshotAsync(string resource, Func<CustomResourceSnapshot, bool> condition, TimeSpan timeout, string what)
    {
        try
        {
            return (await App.ResourceNotifications.WaitForResourceAsync(resource, e => condition(e.Snapshot), TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken)).Snapshot;
        }
        catch (TimeoutException)
        {
            var last = await SnapshotAsync(resource);
            throw new TimeoutException(
                $"Timed out after {timeout.TotalSeconds:0} s waiting for {what}; {resource} is {last.State?.Text}, "
                + $"relationships [{string.Join(", ", Relationships(last))}], properties {string.Join(", ", last.Properties.Where(p => p.Name.StartsWith("p2p.", StringComparison.Ordinal) || p.Name.StartsWith("network.", StringComparison.Ordinal)).Select(p => $"{p.Name}={p.Value}"))}");
        }
    }

    /// <summary>The nodes (spares included) whose resource is Running now.</summary>
    public async Task<string[]> RunningNodesAsync()
    {
        var running = new List<string>();
        foreach (var node in App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Where(IsNode).Select(r => r.Name))
        {
            if ((await SnapshotAsync(node)).State?.Text == KnownResourceStates.Running)
            {
                running.Add(node);
            }
        }

        return [.. running.Order(StringComparer.Ordinal)];
    }

    /// <summary>The node names the Graph draws edges to from this resource.</summary>
    public static string[] Relationships(CustomResourceSnapshot snapshot) =>
        [.. snapshot.Relationships.Select(r => r.ResourceName).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>The nodes this node reports connected links to in its own <c>GET /api/peers</c>, by the resource names of their public addresses.</summary>
    public async Task<string[]> LiveLinksAsync(string node)
    {
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var running in await RunningNodesAsync())
        {
            names[App.GetEndpoint(running, "http").Authority] = running;
        }

        using var http = CreateClient(node);
        var peers = await http.GetFromJsonAsync<JsonElement>("/api/peers", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        return
        [
            .. peers.GetProperty("peers").EnumerateArray()
                .Where(p => p.GetProperty("state").GetString() == "Connected")
                .Select(p => p.GetProperty("address").GetString())
                .Where(a => a is not null && names.ContainsKey(a))
                .Select(a => names[a!])
                .Where(n => n != node)
                .Distinct()
                .Order(StringComparer.Ordinal),
        ];
    }

    /// <summary>Every running node whose Graph edges differ from the links it reports (empty when they all agree).</summary>
    public async Task<List<string>> TopologyMismatchesAsync()
    {
        var mismatches = new List<string>();
        foreach (var node in await RunningNodesAsync())
        {
            var live = await LiveLinksAsync(node);
            var drawn = Relationships(await SnapshotAsync(node));
            if (!live.SequenceEqual(drawn))
            {
                mismatches.Add($"{node}: links [{string.Join(", ", live)}], graph [{string.Join(", ", drawn)}]");
            }
        }

        return mismatches;
    }

    public async Task<JsonElement> NodeInfoAsync(string node)
    {
        using var http = CreateClient(node);
        return await http.GetFromJsonAsync<JsonElement>("/api/node", TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
    }

    public async Task<string> PostRecordAsync(string node, string value)
    {
        using var http = CreateClient(node);
        using var response = await http.PostAsJsonAsync("/record", new { record = value }, TestContext.Current.CancellationToken).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /record at {node}: {(int)response.StatusCode}");
        return value;
    }

    /// <summary>Waits until every running node reports the same digest.</summary>
    public Task<string[]> WaitForEqualDigestsAsync(string what) =>
        Eventually.UntilAsync(
            async () =>
            {
                var digests = new List<string>();
                foreach (var node in await RunningNodesAsync())
                {
                    digests.Add($"{node}={(await NodeInfoAsync(node)).GetProperty("digest").GetString()}");
                }

                return digests.ToArray();
            },
            digests => digests.Select(d => d.Split('=')[1]).Distinct().Count() == 1,
            Timeouts.Converge,
            what);

    public Task<ExecuteCommandResult> ExecuteAsync(string resource, string command, params (string Name, string Value)[] arguments) =>
        (arguments.Length == 0
            ? App.ResourceCommands.ExecuteCommandAsync(resource, command, TestContext.Current.CancellationToken)
            : App.ResourceCommands.ExecuteCommandAsync(resource, command, new InteractionInputCollection(
                [.. arguments.Select(a => new InteractionInput { Name = a.Name, InputType = InputType.Number, Value = a.Value })]), TestContext.Current.CancellationToken))
        .WaitAsync(Timeouts.AppHostStart, TestContext.Current.CancellationToken);

    private static bool IsNode(IResource resource) =>
        resource.Name.StartsWith("node-", StringComparison.Ordinal) || resource.Name.StartsWith("spare-", StringComparison.Ordinal);
}

/// <summary>Five nodes with peer exchange (a mesh, not a chain) and one spare, without the dashboard.</summary>
public sealed class MeshNetwork() : ControlRoomNetwork(5, "--target-peers", "3", "--spares", "1")
{
    public const string Spare = "spare-0";
}
