using System.Diagnostics;
using System.Text.Json;

namespace AspireP2P.Benchmarks.Broadcast;

/// <summary>
/// Follows every node's change feed (<c>GET /api/events?values=false</c>, server-sent events) and notes when each record
/// key first appears on each node, on this process's one clock. The feed is the node's own API, unchanged by how records
/// travel between nodes, so the watch works whatever the protocol.
/// </summary>
public sealed class ArrivalWatch : IAsyncDisposable
{
    private readonly Dictionary<string, long>[] _arrivals;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private int _gaps;
    private int _drops;

    public ArrivalWatch(IReadOnlyList<Uri> nodes)
    {
        _arrivals = [.. nodes.Select(_ => new Dictionary<string, long>())];
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = i;
            _readers.Add(Task.Run(() => FollowAsync(nodes[node], node)));
        }
    }

    /// <summary>Times the feeds said they skipped records (too many at once); those arrivals are not seen.</summary>
    public int Gaps => Volatile.Read(ref _gaps);

    /// <summary>Times a feed broke and was opened again.</summary>
    public int Reconnects => Volatile.Read(ref _drops);

    /// <summary>When node i stored the record (a <see cref="Stopwatch"/> timestamp), if it did.</summary>
    public long? ArrivalAt(int node, string key)
    {
        lock (_arrivals[node])
        {
            return _arrivals[node].TryGetValue(key, out var at) ? at : null;
        }
    }

    /// <summary>Whether every node holds every one of the keys.</summary>
    public bool Everywhere(IReadOnlyCollection<string> keys)
    {
        for (var i = 0; i < _arrivals.Length; i++)
        {
            lock (_arrivals[i])
            {
                foreach (var key in keys)
                {
                    if (!_arrivals[i].ContainsKey(key))
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    /// <summary>Waits until every node's feed has said hello (the subscription is in place before records are posted).</summary>
    public async Task ReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref _hellos) < _arrivals.Length)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"only {_hellos} of {_arrivals.Length} nodes' event feeds opened within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(50);
        }
    }

    private int _hellos;

    private async Task FollowAsync(Uri node, int index)
    {
        var first = true;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(node, "/api/events?values=false"), HttpCompletionOption.ResponseHeadersRead, _stop.Token);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
                var type = "";
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.StartsWith("event:", StringComparison.Ordinal))
                    {
                        type = line["event:".Length..].Trim();
                    }
                    else if (line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        Handle(index, type, line["data:".Length..], ref first);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                // The feed broke (the node restarted or dropped it): open it again; records stored meanwhile are missed here
                // and caught by the final GET /records check.
            }

            Interlocked.Increment(ref _drops);
            await Task.Delay(200, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private void Handle(int node, string type, string data, ref bool first)
    {
        var now = Stopwatch.GetTimestamp();
        switch (type)
        {
            case "hello" when first:
                first = false;
                Interlocked.Increment(ref _hellos);
                break;
            case "record":
                using (var json = JsonDocument.Parse(data))
                {
                    if (json.RootElement.TryGetProperty("key", out var key) && key.GetString() is { } k)
                    {
                        lock (_arrivals[node])
                        {
                            _arrivals[node].TryAdd(k, now);
                        }
                    }
                }

                break;
            case "gap":
                Interlocked.Increment(ref _gaps);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        _http.Dispose();
        _stop.Dispose();
    }
}
