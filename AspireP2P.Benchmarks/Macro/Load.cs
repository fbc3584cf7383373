using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AspireP2P.Benchmarks.Macro;

/// <summary>What a load run did.</summary>
public readonly record struct LoadResult(int Acknowledged, int Failed, TimeSpan Elapsed, TimeSpan? TenthToLast)
{
    public double Rate => Acknowledged / Elapsed.TotalSeconds;
}

/// <summary>
/// POST /record load on 127.0.0.1, bounded by a record count and a time limit. The default client is HttpClient with
/// a SocketsHttpHandler limited to <see cref="Connections"/> connections, one worker per connection; <c>wrk</c> is the alternative.
/// </summary>
public static class Load
{
    public const int Connections = 16;

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = Connections,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        UseProxy = false,
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    private static readonly HttpClient Sequential = new(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static long _serial;

    public static byte[] Body() => Encoding.UTF8.GetBytes($"{{\"record\":\"bench-{Interlocked.Increment(ref _serial)}\"}}");

    /// <summary>Posts until <paramref name="count"/> records are acknowledged or <paramref name="limit"/> passes.</summary>
    public static async Task<LoadResult> PostAsync(NodeProcess node, int count, TimeSpan limit)
    {
        var uri = new Uri(node.BaseUri, "/record");
        var issued = 0;
        var acknowledged = 0;
        var failed = 0;
        var tenth = Math.Max(1, count / 10);
        long tenthAt = 0, lastAt = 0;
        var clock = Stopwatch.StartNew();

        async Task WorkerAsync()
        {
            while (Interlocked.Increment(ref issued) <= count && clock.Elapsed < limit)
            {
                using var content = new ByteArrayContent(Body());
                content.Headers.ContentType = Json;
                try
                {
                    using var response = await Client.PostAsync(uri, content);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref failed);
                        continue;
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                    continue;
                }

                var done = Interlocked.Increment(ref acknowledged);
                if (done == tenth)
                {
                    Volatile.Write(ref tenthAt, clock.ElapsedTicks);
                }

                if (done == count)
                {
                    Volatile.Write(ref lastAt, clock.ElapsedTicks);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(WorkerAsync)));
        var elapsed = clock.Elapsed;
        TimeSpan? tenthToLast = tenthAt > 0 && lastAt > tenthAt ? TimeSpan.FromSeconds((lastAt - tenthAt) / (double)Stopwatch.Frequency) : null;
        return new LoadResult(acknowledged, failed, elapsed, tenthToLast);
    }

    /// <summary>Posts for <paramref name="duration"/> (at most <paramref name="cap"/> records).</summary>
    public static Task<LoadResult> PostForAsync(NodeProcess node, TimeSpan duration, int cap = 1_000_000) => PostAsync(node, cap, duration);

    /// <summary>wrk -t2 -c16 for <paramref name="duration"/>; the acknowledged count comes from the node's own totals.</summary>
    public static async Task<LoadResult> WrkAsync(NodeProcess node, TimeSpan duration)
    {
        var script = Path.Combine(Path.GetTempPath(), "aspirep2p-bench-post.lua");
        await File.WriteAllTextAsync(script, """
            wrk.method = "POST"
            wrk.headers["Content-Type"] = "application/json"
            counter = 0
            request = function()
              counter = counter + 1
              return wrk.format(nil, nil, nil, '{"record":"wrk-' .. counter .. '"}')
            end
            """);
        var before = (await node.NodeInfoAsync()).GetProperty("totals").GetProperty("published").GetInt64();
        var clock = Stopwatch.StartNew();
        var output = await NodeProcess.RunAsync("wrk", "-t2", $"-c{Connections}", $"-d{(int)Math.Ceiling(duration.TotalSeconds)}s", "--timeout", "10s", "-s", script, new Uri(node.BaseUri, "/record").ToString());
        var elapsed = clock.Elapsed;
        var after = (await node.NodeInfoAsync()).GetProperty("totals").GetProperty("published").GetInt64();
        var line = output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("Requests/sec:", StringComparison.Ordinal));
        var rate = line is null ? 0 : double.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
        var seconds = rate > 0 ? (after - before) / rate : elapsed.TotalSeconds;
        var non2xx = output.Split('\n').FirstOrDefault(l => l.Contains("Non-2xx", StringComparison.Ordinal));
        var failed = non2xx is null ? 0 : int.Parse(non2xx.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
        return new LoadResult((int)(after - before), failed, TimeSpan.FromSeconds(seconds), null);
    }

    /// <summary>
    /// One record at a time: POST at <paramref name="node"/>, then wait for the probe to receive it. Returns per-record
    /// latency from just before the POST is sent to the probe's receipt, and the POST round trips, in milliseconds.
    /// </summary>
    public static async Task<(double[] Delivery, double[] RoundTrip)> SequentialAsync(NodeProcess node, ProbePeer probe, int samples)
    {
        var uri = new Uri(node.BaseUri, "/record");
        var delivery = new double[samples];
        var roundTrip = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            using var content = new ByteArrayContent(Body());
            content.Headers.ContentType = Json;
            var start = Stopwatch.GetTimestamp();
            using var response = await Sequential.PostAsync(uri, content);
            var answered = Stopwatch.GetTimestamp();
            response.EnsureSuccessStatusCode();
            using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            var key = document.RootElement.GetProperty("key").GetString()!;
            var arrived = await probe.ArrivalAsync(key).WaitAsync(TimeSpan.FromSeconds(10));
            probe.Forget(key);
            delivery[i] = Stopwatch.GetElapsedTime(start, arrived).TotalMilliseconds;
            roundTrip[i] = Stopwatch.GetElapsedTime(start, answered).TotalMilliseconds;
        }

        Array.Sort(delivery);
        Array.Sort(roundTrip);
        return (delivery, roundTrip);
    }
}
