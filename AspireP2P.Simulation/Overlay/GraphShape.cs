using System.Globalization;

namespace AspireP2P.Simulation.Overlay;

/// <summary>What a graph of links looks like: components, diameter (of the largest), degrees.</summary>
public sealed record GraphShape(int Nodes, int Links, int Components, int LargestComponent, int Diameter, double AverageDistance, IReadOnlyDictionary<int, int> Degrees)
{
    /// <summary>Measures the graph of <paramref name="nodes"/> (those alive) and their links (each pair once).</summary>
    public static GraphShape Of(IReadOnlyList<int> nodes, IReadOnlyDictionary<int, HashSet<int>> links)
    {
        var alive = nodes.ToHashSet();
        var neighbors = nodes.ToDictionary(n => n, n => links.GetValueOrDefault(n)?.Where(alive.Contains).ToList() ?? []);
        var degrees = new SortedDictionary<int, int>();
        foreach (var list in neighbors.Values)
        {
            degrees[list.Count] = degrees.GetValueOrDefault(list.Count) + 1;
        }

        var component = new Dictionary<int, int>();
        var sizes = new List<int>();
        foreach (var node in nodes)
        {
            if (component.ContainsKey(node))
            {
                continue;
            }

            var reached = Bfs(node, neighbors);
            sizes.Add(reached.Count);
            foreach (var member in reached.Keys)
            {
                component[member] = sizes.Count - 1;
            }
        }

        var largest = sizes.Count == 0 ? -1 : sizes.IndexOf(sizes.Max());
        var members = nodes.Where(n => component[n] == largest).ToList();
        var diameter = 0;
        long total = 0, pairs = 0;
        foreach (var node in members)
        {
            foreach (var distance in Bfs(node, neighbors).Values)
            {
                diameter = Math.Max(diameter, distance);
                total += distance;
                pairs += distance > 0 ? 1 : 0;
            }
        }

        return new GraphShape(nodes.Count, neighbors.Values.Sum(l => l.Count) / 2, sizes.Count, members.Count, diameter,
            pairs == 0 ? 0 : total / (double)pairs, degrees);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Nodes} nodes, {Links} links, {Components} component(s), diameter {Diameter}, average distance {AverageDistance:0.00}, degrees {string.Join(" ", Degrees.Select(d => $"{d.Key}:{d.Value}"))}");

    private static Dictionary<int, int> Bfs(int start, Dictionary<int, List<int>> neighbors)
    {
        var distance = new Dictionary<int, int> { [start] = 0 };
        var queue = new Queue<int>([start]);
        while (queue.TryDequeue(out var node))
        {
            foreach (var next in neighbors[node])
            {
                if (distance.TryAdd(next, distance[node] + 1))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return distance;
    }
}
