using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace AspireP2P.Benchmarks.Broadcast;

/// <summary>One record the load posted: where, when, and what the node answered.</summary>
public sealed record Posted(int Node, string Value, long SentAt, string? Key, bool Acknowledged);

/// <summary>What one load phase measured.</summary>
public sealed record PhaseResult(
    IReadOnlyList<Posted> Records,
    double[] FullPropagationMs,
    Traffic Peer,
    double WindowSeconds,
    IReadOnlyDictionary<string, long> TotalsDelta,
    int Lost,
    double? ConvergedAfterHealSeconds,
    double? ConvergedAfterLoadSeconds)
{
    public int Acknowledged => Records.Count(r => r.Acknowledged);
}

/// <summary>
/// Posts records at a steady rate at random nodes (Maelstrom's broadcast workload), optionally cutting a side of the
/// network off for part of it, then waits until every node holds every acknowledged record and measures what it cost.
/// </summary>
public sealed class LoadPhase(HostMesh mesh, IReadOnlyList<Uri> nodes, ArrivalWatch watch, HttpClient http, string apiKey, BroadcastOptions options)
{
    private static readonly TimeSpan ConvergeTimeout = TimeSpan.FromSeconds(60);

    public async Task<PhaseResult> RunAsync(string label, Random random, int[]? partition)
    {
        var totalsBefore = await TotalsAsync();
        var trafficBefore = await mesh.TrafficAsync();
        var windowStart = Stopwatch.GetTimestamp();
        var count = (int)Math.Round(options.Rate * options.Seconds);
        var posts = new List<Task<Posted>>(count);
        long? healedAt = null;
        var partitioned = false;
        try
        {
            for (var k = 0; k < count; k++)
            {
                var due = k / options.Rate;
                if (partition is not null && !partitioned && due >= options.PartitionAt)
                {
                    await WaitUntilAsync(windowStart, options.PartitionAt);
                    var cutAt = Seconds(windowStart);
                    await mesh.PartitionAsync(partition.Select(i => i + 1));
                    partitioned = true;
                    Console.WriteLine($"  {label}: hosts {string.Join(',', partition.Select(i => i + 1))} cut off from {cutAt:0.0} s to {Seconds(windowStart):0.0} s");
                }

                if (partitioned && healedAt is null && due >= options.PartitionAt + options.PartitionSeconds)
                {
                    await WaitUntilAsync(windowStart, options.PartitionAt + options.PartitionSeconds);
                    healedAt = Stopwatch.GetTimestamp(); // convergence is timed from when the heal begins (strict)
                    await mesh.HealAsync();
                    Console.WriteLine($"  {label}: healed from {Stopwatch.GetElapsedTime(windowStart, healedAt.Value).TotalSeconds:0.0} s to {Seconds(windowStart):0.0} s");
                }

                await WaitUntilAsync(windowStart, due);
                posts.Add(PostAsync(random.Next(nodes.Count), $"bc-{label}-{k}"));
            }
        }
        finally
        {
            if (partitioned && healedAt is null)
            {
                await mesh.HealAsync();
                healedAt = Stopwatch.GetTimestamp();
            }
        }

        var records = await Task.WhenAll(posts);
        var loadEnd = Stopwatch.GetTimestamp();
        var acknowledged = records.Where(r => r.Acknowledged).ToList();
        var keys = acknowledged.Select(r => r.Key!).ToList();
        var converged = await ConvergeAsync(keys, acknowledged);
        var convergedAt = converged ? Stopwatch.GetTimestamp() : (long?)null;
        var trafficAfter = await mesh.TrafficAsync();
        var window = Stopwatch.GetElapsedTime(windowStart).TotalSeconds;
        var totalsAfter = await TotalsAsync();
        var lost = await LostAsync(acknowledged);

        double? afterHeal = null;
        if (healedAt is { } healed)
        {
            // The last arrival, anywhere, of a record acknowledged before the heal.
            var before = acknowledged.Where(r => r.SentAt < healed).Select(r => r.Key!).ToList();
            var last = LastArrival(before);
            afterHeal = last is { } at ? Math.Max(0, Stopwatch.GetElapsedTime(healed, at).TotalSeconds)
                : convergedAt is { } c ? Stopwatch.GetElapsedTime(healed, c).TotalSeconds : null;
        }

        var full = acknowledged
            .Select(r => LastArrival([r.Key!]) is { } at ? Stopwatch.GetElapsedTime(r.SentAt, at).TotalMilliseconds : double.NaN)
            .Where(ms => !double.IsNaN(ms)).Order().ToArray();
        var delta = totalsAfter.ToDictionary(t => t.Key, t => t.Value - totalsBefore.GetValueOrDefault(t.Key));
        return new PhaseResult(records, full, trafficAfter - trafficBefore, window, delta, lost, afterHeal,
            convergedAt is { } end ? Stopwatch.GetElapsedTime(loadEnd, end).TotalSeconds : null);
    }

    /// <summary>Every node's running totals (<c>GET /api/node</c>, <c>totals</c>), summed by name: whatever counters the node keeps.</summary>
    public async Task<Dictionary<string, long>> TotalsAsync()
    {
        var sums = new Dictionary<string, long>();
        foreach (var info in await Task.WhenAll(nodes.Select(n => http.GetFromJsonAsync<JsonElement>(new Uri(n, "/api/node")))))
        {
            if (info.TryGetProperty("totals", out var totals))
            {
                foreach (var field in totals.EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.Number))
                {
                    sums[field.Name] = sums.GetValueOrDefault(field.Name) + field.Value.GetInt64();
                }
            }
        }

        return sums;
    }

    private long? LastArrival(List<string> keys)
    {
        long last = 0;
        foreach (var key in keys)
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                if (watch.ArrivalAt(i, key) is not { } at)
                {
                    return null;
                }

                last = Math.Max(last, at);
            }
        }

        return keys.Count == 0 ? null : last;
    }

    private async Task<Posted> PostAsync(int node, string value)
    {
        var sentAt = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(nodes[node], "/record")) { Content = JsonContent.Create(new { record = value }) };
            request.Headers.Add("X-Api-Key", apiKey);
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await http.SendAsync(request, cancel.Token);
            if (!response.IsSuccessStatusCode)
            {
                return new Posted(node, value, sentAt, null, false);
            }

            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancel.Token);
            return new Posted(node, value, sentAt, body.TryGetProperty("key", out var key) ? key.GetString() : null, body.TryGetProperty("key", out _));
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
        {
            return new Posted(node, value, sentAt, null, false);
        }
    }

    /// <summary>Until every node holds every acknowledged record: the event feeds, and every 2 s each node's GET /records (which no feed gap can fool).</summary>
    private async Task<bool> ConvergeAsync(List<string> keys, List<Posted> acknowledged)
    {
        var clock = Stopwatch.StartNew();
        var lastFullCheck = TimeSpan.Zero;
        while (clock.Elapsed < ConvergeTimeout)
        {
            if (watch.Everywhere(keys))
            {
                return true;
            }

            if (clock.Elapsed - lastFullCheck > TimeSpan.FromSeconds(2))
            {
                lastFullCheck = clock.Elapsed;
                if (await LostAsync(acknowledged) == 0)
                {
                    return true;
                }
            }

            await Task.Delay(20);
        }

        return false;
    }

    /// <summary>Acknowledged records that some node does not hold (each node's <c>GET /records</c>).</summary>
    private async Task<int> LostAsync(List<Posted> acknowledged)
    {
        var held = await Task.WhenAll(nodes.Select(async n =>
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var values = await http.GetFromJsonAsync<JsonElement>(new Uri(n, "/records"), cancel.Token);
            return values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToHashSet();
        }));
        return acknowledged.Count(r => held.Any(h => !h.Contains(r.Value)));
    }

    private static async Task WaitUntilAsync(long start, double seconds)
    {
        var wait = TimeSpan.FromSeconds(seconds) - Stopwatch.GetElapsedTime(start);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private static double Seconds(long start) => Stopwatch.GetElapsedTime(start).TotalSeconds;
}
