using System.Net.Http.Json;

namespace AspireP2P.Benchmarks.Broadcast;

/// <summary>The graph the nodes' links make: links, degrees, connected components and diameter (in hops).</summary>
public sealed record MeshShape(int Links, int MinDegree, double MedianDegree, int MaxDegree, int Components, int Diameter)
{
    public override string ToString() =>
        $"{Links} links, degree {MinDegree}–{MaxDegree} (median {MedianDegree:0.#}), {Components} component{(Components == 1 ? "" : "s")}, diameter {Diameter}";

    /// <summary>Reads each node's <c>GET /peers</c> (the tutorial's API: the URLs of its open links) and builds the graph.</summary>
    public static async Task<MeshShape> ReadAsync(HttpClient http, IReadOnlyList<Uri> nodes)
    {
        var index = nodes.Select((uri, i) => (uri.Host, i)).ToDictionary(n => n.Host, n => n.i);
        var neighbours = nodes.Select(_ => new HashSet<int>()).ToArray();
        var peers = await Task.WhenAll(nodes.Select(async n => await http.GetFromJsonAsync<string[]>(new Uri(n, "/peers")) ?? []));
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var url in peers[i])
            {
                if (Uri.TryCreate(url, UriKind.Absolute, out var peer) && index.TryGetValue(peer.Host, out var j) && j != i)
                {
                    // A link either end reports counts once, for both.
                    neighbours[i].Add(j);
                    neighbours[j].Add(i);
                }
            }
        }

        return Of(neighbours);
    }

    public static MeshShape Of(HashSet<int>[] neighbours)
    {
        var n = neighbours.Length;
        var degrees = neighbours.Select(s => (double)s.Count).Order().ToArray();
        var links = neighbours.Sum(s => s.Count) / 2;
        var component = new int[n];
        Array.Fill(component, -1);
        var components = 0;
        var diameter = 0;
        for (var start = 0; start < n; start++)
        {
            var distance = Distances(neighbours, start);
            if (component[start] < 0)
            {
                for (var j = 0; j < n; j++)
                {
                    if (distance[j] >= 0)
                    {
                        component[j] = components;
                    }
                }

                components++;
            }

            diameter = Math.Max(diameter, distance.Max());
        }

        return new MeshShape(links, (int)degrees[0], Macro.Stats.Median(degrees), (int)degrees[^1], components, diameter);
    }

    /// <summary>Hops from <paramref name="start"/> to every node (breadth-first), -1 where it cannot reach.</summary>
    private static int[] Distances(HashSet<int>[] neighbours, int start)
    {
        var distance = new int[neighbours.Length];
        Array.Fill(distance, -1);
        distance[start] = 0;
        var queue = new Queue<int>([start]);
        while (queue.TryDequeue(out var at))
        {
            foreach (var next in neighbours[at])
            {
                if (distance[next] < 0)
                {
                    distance[next] = distance[at] + 1;
                    queue.Enqueue(next);
                }
            }
        }

        return distance;
    }
}
