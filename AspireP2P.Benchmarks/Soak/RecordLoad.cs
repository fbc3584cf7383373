using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Benchmarks.Compare;

namespace AspireP2P.Benchmarks.Soak;

/// <summary>A record the load posted: where, when, and the trace id the node answered with.</summary>
public readonly record struct PostedRecord(int Node, TimeSpan At, string TraceId);

/// <summary>
/// Posts records at a steady rate, round-robin over the nodes (what people and services do to a running network),
/// and now and then a burst at one node, 16 at a time (what the dashboard's "Post a burst" does). Never more than
/// <see cref="MaxInFlight"/> requests are open; a load that falls more than a second behind skips ahead and counts
/// what it skipped, so a slow network is reported, not hidden.
/// </summary>
public sealed class RecordLoad(Func<int, Uri> node, int nodes, string apiKey, SoakOptions options) : IAsyncDisposable
{
    private const int MaxInFlight = 64;
    private const int BurstConcurrency = 16;

    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _recentGate = new();
    private readonly Queue<PostedRecord> _recent = new();
    private Task _steady = Task.CompletedTask;
    private Task _bursts = Task.CompletedTask;
    private long _posted;
    private long _failed;
    private long _skipped;
    private long _burstRecords;
    private string? _lastError;

    public long Posted => Interlocked.Read(ref _posted);
    public long Failed => Interlocked.Read(ref _failed);
    public long Skipped => Interlocked.Read(ref _skipped);
    public long BurstRecords => Interlocked.Read(ref _burstRecords);
    public string? LastError => Volatile.Read(ref _lastError);
    public TimeSpan Elapsed => _clock.Elapsed;

    public bool Running => !_stop.IsCancellationRequested;

    public void Start()
    {
        // The rate counts from now: records posted before (PostOneAsync) are not a backlog to catch up on.
        _clock.Restart();
        lock (_recentGate)
        {
            _recent.Clear();
        }

        _steady = SteadyAsync(_stop.Token);
        _bursts = options.BurstEvery > TimeSpan.Zero && options.BurstRecords > 0 ? BurstsAsync(_stop.Token) : Task.CompletedTask;
    }

    /// <summary>Posts one record at node <paramref name="target"/> outside the load; null when the post failed.</summary>
    public async Task<PostedRecord?> PostOneAsync(int target)
    {
        var before = Posted;
        return await PostAsync(target, $"soak baseline at {DateTime.UtcNow:HH:mm:ss.fff}") && Posted > before ? PostedBetween(TimeSpan.FromMinutes(1), TimeSpan.Zero)[^1] : null;
    }

    /// <summary>Records posted between <paramref name="from"/> and <paramref name="to"/> ago, oldest first.</summary>
    public IReadOnlyList<PostedRecord> PostedBetween(TimeSpan from, TimeSpan to)
    {
        var now = _clock.Elapsed;
        lock (_recentGate)
        {
            return [.. _recent.Where(r => now - r.At <= from && now - r.At >= to)];
        }
    }

    /// <summary>Stops posting and waits for the requests in flight; the posting time stops with it.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            _clock.Stop();
        }

        await Task.WhenAll(_steady, _bursts);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task SteadyAsync(CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(MaxInFlight);
        var pending = new List<Task>();
        long sent = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var due = (long)(_clock.Elapsed.TotalSeconds * options.Rate);
                if (due - sent > options.Rate)
                {
                    Interlocked.Add(ref _skipped, due - sent);
                    sent = due;
                }

                while (sent < due && slots.Wait(0, CancellationToken.None))
                {
                    var n = sent++;
                    pending.Add(PostReleasingAsync((int)(n % nodes), $"soak {n} at {DateTime.UtcNow:HH:mm:ss.fff}", slots));
                }

                pending.RemoveAll(t => t.IsCompleted);
                await Task.Delay(10, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        await Task.WhenAll(pending);
    }

    private async Task BurstsAsync(CancellationToken cancellationToken)
    {
        var burst = 0;
        try
        {
            while (true)
            {
                await Task.Delay(options.BurstEvery, cancellationToken);
                var target = burst++ % nodes;
                var next = -1;
                await Task.WhenAll(Enumerable.Range(0, BurstConcurrency).Select(async _ =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < options.BurstRecords && !cancellationToken.IsCancellationRequested)
                    {
                        if (await PostAsync(target, $"burst {burst} record {i}"))
                        {
                            Interlocked.Increment(ref _burstRecords);
                        }
                    }
                }));
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task PostReleasingAsync(int target, string value, SemaphoreSlim slots)
    {
        try
        {
            await PostAsync(target, value);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>POST /record; every failure is counted and its reason kept, never thrown into the load loop.</summary>
    private async Task<bool> PostAsync(int target, string value)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node(target), "/record")) { Content = JsonContent.Create(new { record = value }) };
            request.Headers.Add("X-Api-Key", apiKey);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await Http.Client.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                Fail($"node-{target} answered {(int)response.StatusCode}");
                return false;
            }

            using var answer = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
            Remember(new PostedRecord(target, _clock.Elapsed, answer.RootElement.GetProperty("traceId").GetString() ?? ""));
            Interlocked.Increment(ref _posted);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Fail($"node-{target}: {ex.GetType().Name}: {ex.Message}");
            return false;
        }
    }

    private void Remember(PostedRecord record)
    {
        lock (_recentGate)
        {
            _recent.Enqueue(record);
            // Two minutes at the configured rate is plenty to pick traces from.
            while (_recent.Count > Math.Max(1000, options.Rate * 120))
            {
                _recent.Dequeue();
            }
        }
    }

    private void Fail(string reason)
    {
        Interlocked.Increment(ref _failed);
        Volatile.Write(ref _lastError, reason);
    }
}
