using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AspireP2P.Benchmarks.Compare;

namespace AspireP2P.Benchmarks.Soak;

/// <summary>One span of a trace as the dashboard's telemetry API returns it.</summary>
public readonly record struct ApiSpan(string Resource, string Name, string SpanId, string? ParentSpanId);

/// <summary>A timed read of the dashboard's telemetry API: how long it took, and what it says it holds.</summary>
public readonly record struct TimedQuery(TimeSpan Elapsed, long TotalCount, string? Error);

/// <summary>
/// The Aspire dashboard's telemetry HTTP API (<c>/api/telemetry/…</c>, <c>X-API-Key</c> = <c>AppHost:DashboardApiKey</c>):
/// the list a person or <c>aspire otel traces</c> reads, timed from outside the dashboard.
/// </summary>
public sealed class DashboardApi(Uri dashboard, string apiKey)
{
    /// <summary>Spans of our record path (the node's trace source); the rest of a trace is HTTP.</summary>
    public static readonly string[] RecordSpanNames = ["publish records", "send records", "receive records"];

    /// <summary><c>GET /api/telemetry/traces?limit=20</c>, the query of issue 25: time to the last byte of the answer.</summary>
    public Task<TimedQuery> TimeTracesAsync() => TimeAsync("/api/telemetry/traces?limit=20");

    /// <summary>How many spans and log entries the dashboard holds (its <c>totalCount</c>), and how long it took to say so.</summary>
    public Task<TimedQuery> TimeSpansAsync() => TimeAsync("/api/telemetry/spans?limit=1");

    public Task<TimedQuery> TimeLogsAsync() => TimeAsync("/api/telemetry/logs?limit=1");

    /// <summary>Every span of one trace, or null when the dashboard holds none of it (not sampled, or evicted).</summary>
    public async Task<IReadOnlyList<ApiSpan>?> GetTraceAsync(string traceId)
    {
        using var request = Request($"/api/telemetry/traces/{traceId}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await Http.Client.SendAsync(request, timeout.Token);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(timeout.Token), cancellationToken: timeout.Token);
        var spans = new List<ApiSpan>();
        foreach (var resource in document.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = DashboardTraces.ServiceName(resource);
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    spans.Add(new ApiSpan(
                        service,
                        span.GetProperty("name").GetString() ?? "",
                        span.GetProperty("spanId").GetString() ?? "",
                        span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } p ? p : null));
                }
            }
        }

        return spans.Count == 0 ? null : spans;
    }

    private async Task<TimedQuery> TimeAsync(string path)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var request = Request(path);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            using var response = await Http.Client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            var elapsed = clock.Elapsed;
            if (!response.IsSuccessStatusCode)
            {
                return new TimedQuery(elapsed, -1, $"{path} answered {(int)response.StatusCode}");
            }

            using var document = JsonDocument.Parse(body);
            return new TimedQuery(elapsed, document.RootElement.TryGetProperty("totalCount", out var total) ? total.GetInt64() : -1, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
        {
            return new TimedQuery(clock.Elapsed, -1, $"{path}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private HttpRequestMessage Request(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(dashboard, path));
        request.Headers.Add("X-API-Key", apiKey);
        return request;
    }
}
