namespace AspireP2P.Benchmarks.Compare;

/// <summary>What one star measured: the hub's rate, CPU per record over all four nodes, and the records every node held.</summary>
public readonly record struct StarResult(double Rate, double CpuPerRecord, int Held, WrkResult Load);

/// <summary>
/// Four fresh nodes A, B, C, D of one kind; A dials the others with POST /peer (the tutorial's API, which every kind
/// keeps); <c>wrk -t1 -c16</c> at A with no warm-up; then every peer must hold all of A's records. The shape of the
/// tutorial comparison, shared by every part that compares two kinds of node with 3 peers.
/// </summary>
public static class Star
{
    public static async Task<StarResult> MeasureAsync(string name, Func<string, Task<ServerProcess>> start, double duration)
    {
        var nodes = new List<ServerProcess>();
        try
        {
            foreach (var letter in "ABCD")
            {
                nodes.Add(await start($"{name} {letter}"));
            }

            var a = nodes[0];
            foreach (var peer in nodes.Skip(1))
            {
                await a.ConnectAsync(peer.Address);
            }

            await Measure.WaitAsync(async () => await a.PeerCountAsync() == 3 && (await Task.WhenAll(nodes.Skip(1).Select(n => n.PeerCountAsync()))).All(c => c >= 1),
                TimeSpan.FromSeconds(30), $"{name}: A and its three peers to connect");
            var cpuBefore = nodes.Sum(n => n.CpuTime().TotalMicroseconds);
            var result = await Wrk.PostAsync(a.BaseUri, duration);
            var held = await a.RecordCountAsync();
            await Measure.WaitAsync(async () => (await Task.WhenAll(nodes.Skip(1).Select(n => n.RecordCountAsync()))).All(c => c == held),
                TimeSpan.FromSeconds(120), $"{name}: every peer to hold A's {held} records");
            return new StarResult(result.Rate, (nodes.Sum(n => n.CpuTime().TotalMicroseconds) - cpuBefore) / held, held, result);
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }
}
