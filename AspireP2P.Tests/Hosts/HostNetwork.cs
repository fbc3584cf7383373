using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Hosts;

/// <summary>
/// Hosts with network stacks of their own on this machine, made by <c>eng/hosts.sh</c>: Linux network namespaces
/// joined by veth pairs to a bridge, addresses in a 10.231.x.0/24 network that no one else on the machine uses, and one
/// real node process per host listening on its host's address. Faults are made by the kernel, outside the node:
/// iptables drops a host's traffic (both ways or one way: the node gets no FIN) or a share of it, and holds it in a
/// queue released late (latency, jitter). Needs root; fails, never skips, when namespaces cannot be made. Disposing
/// removes everything it made, and a network left by a crashed run is removed by the next one.
/// </summary>
public sealed class HostNetwork : IAsyncDisposable
{
    public const int Port = 3030;

    /// <summary>
    /// Every node's API key: a node that listens beyond loopback refuses to start without one. The test's HTTP clients
    /// send it (as <c>X-Api-Key</c>), so their POSTs are accepted as an operator's would be.
    /// </summary>
    public const string ApiKey = "hosts-tier-0123456789abcdef";

    private readonly string _script;
    private readonly int _id;
    private readonly NodeProcess?[] _nodes;

    private HostNetwork(string script, int id, int hosts)
    {
        _script = script;
        _id = id;
        _nodes = new NodeProcess?[hosts + 1];
    }

    /// <summary>Hosts are numbered from 1.</summary>
    public NodeProcess this[int host] => _nodes[host] ?? throw new InvalidOperationException($"no node runs on host {host}");

    public IEnumerable<int> Hosts => Enumerable.Range(1, _nodes.Length - 1);

    public IEnumerable<NodeProcess> Nodes => Hosts.Select(host => this[host]);

    public string Address(int host) => $"10.231.{_id}.{10 + host}";

    /// <summary>Makes <paramref name="hosts"/> hosts (no nodes yet).</summary>
    public static async Task<HostNetwork> CreateAsync(int hosts)
    {
        var root = RepositoryRoot.Find() ?? throw new InvalidOperationException("The hosts tier runs eng/hosts.sh from the checkout, which was not found above " + AppContext.BaseDirectory);
        var script = Path.Combine(root, "eng", "hosts.sh");
        var (exitCode, output, error) = await RunAsync(script, id: "auto", "up", hosts.ToString(), "--no-nodes");
        var id = output.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("id=", StringComparison.Ordinal));
        if (exitCode != 0 || id is null)
        {
            if (id is not null)
            {
                // The script removes what a failed `up` made; this makes sure, whatever the script got to.
                await RunAsync(script, id[3..], "down");
            }

            throw Failed(["up", hosts.ToString()], exitCode, output, error);
        }

        return new HostNetwork(script, int.Parse(id[3..]), hosts);
    }

    /// <summary>A 1..N chain as the AppHost builds it (host i dials host i-1), every node with <paramref name="args"/>.</summary>
    public static async Task<HostNetwork> StartChainAsync(int hosts, params string[] args)
    {
        var network = await CreateAsync(hosts);
        try
        {
            foreach (var host in network.Hosts)
            {
                string[] peers = host == 1 ? [] : ["--peers", $"{network.Address(host - 1)}:{Port}"];
                await network.StartNodeAsync(host, [.. peers, .. args]);
            }

            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a node on the host with the API key and without rate limits: this process reaches every host from one
    /// address (the bridge's), so every request of a test would count against one client. A test's own flags come last and win.
    /// </summary>
    public async Task<NodeProcess> StartNodeAsync(int host, params string[] args)
    {
        var node = await NodeProcess.StartAsync($"host-{host}", $"p2p{_id}-h{host}", Address(host), Port,
            ["--api-key", ApiKey, "--P2P:RateLimit:PermitsPerSecond", "0", .. args]);
        node.Http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        _nodes[host] = node;
        return node;
    }

    /// <summary>The host can neither send to nor hear the other hosts; the test process still reaches it.</summary>
    public Task PartitionAsync(int host) => HostsAsync("partition", host.ToString());

    /// <summary>What the host sends to the other hosts is dropped; it still hears them.</summary>
    public Task PartitionOneWayAsync(int host) => HostsAsync("partition-oneway", host.ToString());

    public Task HealAsync() => HostsAsync("heal");

    /// <summary>Every host's packets to the other hosts leave <paramref name="delay"/> ± <paramref name="jitter"/> late.</summary>
    public Task DelayAsync(TimeSpan delay, TimeSpan jitter) =>
        HostsAsync("delay", $"{delay.TotalMilliseconds:0}ms", $"{jitter.TotalMilliseconds:0}ms");

    /// <summary>Every host drops this share of its packets to the other hosts.</summary>
    public Task LossAsync(int percent) => HostsAsync("loss", $"{percent}%");

    /// <summary>Whether <paramref name="observer"/>'s <c>GET /api/peers</c> shows a live link with <paramref name="host"/>.</summary>
    public async Task<bool> IsLinkedAsync(int observer, int host)
    {
        var peers = await this[observer].Http.GetFromJsonAsync<JsonElement>("/api/peers").WaitAsync(Timeouts.Request);
        return Mentions(peers, Address(host));
    }

    /// <summary>Waits until every node holds at least <paramref name="count"/> records, all with one digest.</summary>
    public async Task<string> WaitConvergedAsync(int count, TimeSpan timeout)
    {
        var holdings = await Eventually.UntilAsync(
            () => Task.WhenAll(Nodes.Select(node => node.GetHoldingsAsync())),
            h => h.All(x => x.Records >= count) && h.Select(x => x.Digest).Distinct().Count() == 1,
            timeout,
            $"all {_nodes.Length - 1} hosts to hold the same {count} records");
        return holdings[0].Digest;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                await node.DisposeAsync();
            }
        }

        await HostsAsync("down");
    }

    /// <summary>
    /// An entry of <c>/api/peers</c> is about the host when one of its strings names the host's address (as
    /// <c>host:port</c>, a <c>ws://</c> URL or the remote end of a connection); it is live unless it has a state
    /// other than <c>Connected</c>. Read this way, the check holds whichever list (dialed or accepted) the link is in.
    /// </summary>
    private static bool Mentions(JsonElement element, string address) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray().Any(item => Mentions(item, address)),
        JsonValueKind.Object when element.EnumerateObject().Any(p => p.Value.ValueKind == JsonValueKind.String && NamesHost(p.Value.GetString()!, address)) =>
            !element.TryGetProperty("state", out var state) || state.GetString() == "Connected",
        JsonValueKind.Object => element.EnumerateObject().Any(p => Mentions(p.Value, address)),
        _ => false,
    };

    private static bool NamesHost(string value, string address) =>
        value.StartsWith(address + ":", StringComparison.Ordinal) || value.StartsWith("ws://" + address + ":", StringComparison.Ordinal);

    private async Task HostsAsync(params string[] args)
    {
        var (exitCode, output, error) = await RunAsync(_script, _id.ToString(), args);
        if (exitCode != 0)
        {
            throw Failed(args, exitCode, output, error);
        }
    }

    private static InvalidOperationException Failed(string[] args, int exitCode, string output, string error) => new(
        $"eng/hosts.sh {string.Join(' ', args)} failed (exit {exitCode}). The hosts tier needs root and Linux network namespaces " +
        $"(iproute2, iptables; ./build.sh --test installs them): {error}{output}");

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string script, string id, params string[] args)
    {
        var start = TestTools.StartInfo("bash", [script, .. args]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;

        start.Environment["P2P_HOSTS_ID"] = id;
        start.Environment["P2P_HOSTS_PORT"] = Port.ToString();
        start.Environment["P2P_HOSTS_OWNER"] = Environment.ProcessId.ToString();
        start.Environment["P2P_NETDELAY_DLL"] = Path.Combine(AppContext.BaseDirectory, "NetDelay.dll");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeouts.Start);
        return (process.ExitCode, await output, await error);
    }
}
