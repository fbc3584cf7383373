namespace AspireP2P.Tests.Infrastructure;

/// <summary>Several in-process nodes; disposing stops them all.</summary>
public sealed class TestNetwork : IAsyncDisposable
{
    private TestNetwork(IReadOnlyList<TestNode> nodes) => Nodes = nodes;

    public IReadOnlyList<TestNode> Nodes { get; }

    public TestNode this[int index] => Nodes[index];

    /// <summary>A chain as the AppHost builds it: node i starts with <c>--peers</c> = node i-1.</summary>
    public static async Task<TestNetwork> StartChainAsync(int count, params string[] extraArgs)
    {
        var nodes = new List<TestNode>();
        for (var i = 0; i < count; i++)
        {
            string[] peers = i == 0 ? [] : ["--peers", nodes[i - 1].Address];
            nodes.Add(await TestNode.StartAsync($"node-{i}", [.. peers, .. extraArgs]));
        }

        var network = new TestNetwork(nodes);
        await network.WaitUntilHealthyAsync();

        // Healthy means each node dialed its predecessor; the predecessor's dial back (after the HANDSHAKE) is
        // what carries records forward from it. Until it is up, a record posted nearer the head is lost for the tail.
        for (var i = 0; i < count - 1; i++)
        {
            var (node, next) = (nodes[i], nodes[i + 1]);
            await Eventually.UntilAsync(node.GetPeersAsync, p => p.Contains(next.WebSocketUrl), Timeouts.Connect, $"{node.Name} to dial {next.Name} back");
        }

        return network;
    }

    public static async Task<TestNetwork> StartUnconnectedAsync(int count, params string[] extraArgs)
    {
        var nodes = new List<TestNode>();
        for (var i = 0; i < count; i++)
        {
            nodes.Add(await TestNode.StartAsync($"node-{i}", extraArgs));
        }

        return new TestNetwork(nodes);
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

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Reverse())
        {
            await node.DisposeAsync();
        }
    }
}
