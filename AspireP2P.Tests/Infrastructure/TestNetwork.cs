using AspireP2P.Node.Transport;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>What carries the links of an in-process network.</summary>
public enum LinkTransport
{
    /// <summary>Real WebSockets over loopback, as real nodes link.</summary>
    WebSocket,

    /// <summary>The in-memory transport (no sockets for links; the HTTP API stays on Kestrel).</summary>
    InMemory,
}

/// <summary>Several in-process nodes; disposing stops them all.</summary>
public sealed class TestNetwork : IAsyncDisposable
{
    private readonly List<TestNode> _nodes;

    private TestNetwork(List<TestNode> nodes, InMemoryNetwork? links)
    {
        _nodes = nodes;
        Links = links;
    }

    public IReadOnlyList<TestNode> Nodes => _nodes;

    /// <summary>The in-memory network the nodes link over, or null when they link over WebSockets.</summary>
    public InMemoryNetwork? Links { get; }

    public TestNode this[int index] => _nodes[index];

    /// <summary>A chain as the AppHost builds it: node i starts with <c>--peers</c> = node i-1.</summary>
    public static Task<TestNetwork> StartChainAsync(int count, params string[] extraArgs) => StartChainAsync(LinkTransport.WebSocket, count, extraArgs);

    public static async Task<TestNetwork> StartChainAsync(LinkTransport transport, int count, params string[] extraArgs)
    {
        var network = new TestNetwork([], transport == LinkTransport.InMemory ? new InMemoryNetwork(TimeProvider.System) : null);
        try
        {
            for (var i = 0; i < count; i++)
            {
                string[] peers = i == 0 ? [] : ["--peers", network[i - 1].Address];
                await network.AddNodeAsync($"node-{i}", [.. peers, .. extraArgs]);
            }

            await network.WaitUntilHealthyAsync();

            // Healthy means each node linked its predecessor; one link carries records both ways, so the predecessor lists
            // it among the peers it sends to as soon as the link is up.
            for (var i = 0; i < count - 1; i++)
            {
                var (node, next) = (network[i], network[i + 1]);
                await Eventually.UntilAsync(node.GetPeersAsync, p => p.Contains(next.WebSocketUrl), Timeouts.Connect, $"{node.Name} to send to {next.Name}");
            }

            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    public static Task<TestNetwork> StartUnconnectedAsync(int count, params string[] extraArgs) => StartUnconnectedAsync(LinkTransport.WebSocket, count, extraArgs);

    public static async Task<TestNetwork> StartUnconnectedAsync(LinkTransport transport, int count, params string[] extraArgs)
    {
        var network = new TestNetwork([], transport == LinkTransport.InMemory ? new InMemoryNetwork(TimeProvider.System) : null);
        try
        {
            for (var i = 0; i < count; i++)
            {
                await network.AddNodeAsync($"node-{i}", extraArgs);
            }

            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more node on this network's transport; the network stops it with the others.</summary>
    public async Task<TestNode> AddNodeAsync(string name, params string[] args)
    {
        var node = await TestNode.StartAsync(name, time: null, Links, args);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Stops one node (its links close, its in-memory records are gone) and takes it out of the network.</summary>
    public async Task StopAsync(TestNode node)
    {
        _nodes.Remove(node);
        await node.DisposeAsync();
    }

    public async Task WaitUntilHealthyAsync()
    {
        foreach (var node in Nodes)
        {
            await Eventually.UntilAsync(node.IsHealthyAsync, Timeouts.Connect, $"{node.Name} to report Healthy (bootstrap peers connected)");
        }
    }

    /// <summary>Awaits every node holding exactly <paramref name="expected"/> (as raw JSON), in any order.</summary>
    public async Task WaitForRecordsAsync(params string[] expected)
    {
        foreach (var node in Nodes)
        {
            await Eventually.UntilAsync(node.GetRecordsRawAsync, r => r.Order().SequenceEqual(expected.Order()), Timeouts.Converge,
                $"{node.Name} to hold exactly [{string.Join(", ", expected)}]");
        }
    }

    /// <summary>Awaits every node reporting one and the same digest (equal digests: the same feed entries held).</summary>
    public async Task<string> WaitForEqualDigestsAsync()
    {
        var digests = await Eventually.UntilAsync(() => Task.WhenAll(Nodes.Select(n => n.GetDigestAsync())), d => d.Distinct().Count() == 1,
            Timeouts.Converge, "every node to report the same digest");
        return digests[0];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.DisposeAsync();
        }
    }
}
