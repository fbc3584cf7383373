using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Aspire;

/// <summary>One span as the dashboard shows it: which resource (node) produced it and where it hangs in its trace.</summary>
public sealed record TraceSpan(string Resource, string Name, ActivityKind Kind, string TraceId, string SpanId, string? ParentSpanId);

/// <summary>
/// Reads the Aspire dashboard's telemetry HTTP API (<c>/api/telemetry/…</c>, OTLP JSON): the spans a person sees
/// in the Traces view, after real export from the node processes.
/// </summary>
public sealed class DashboardTelemetry(HttpClient http) : IDisposable
{
    /// <summary>Every span of a trace; empty while the dashboard has not received any of it.</summary>
    public Task<IReadOnlyList<TraceSpan>> GetTraceAsync(string traceId) => GetSpansAsync($"/api/telemetry/traces/{traceId}");

    /// <summary>Recent spans of one resource; empty while it has exported none.</summary>
    public Task<IReadOnlyList<TraceSpan>> GetResourceSpansAsync(string resource) => GetSpansAsync($"/api/telemetry/spans?resource={resource}&limit=1000");

    private async Task<IReadOnlyList<TraceSpan>> GetSpansAsync(string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative)).WaitAsync(Timeouts.Request);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>().WaitAsync(Timeouts.Request);
        var spans = new List<TraceSpan>();
        foreach (var resourceSpans in body.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var resource = resourceSpans.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Single(a => a.GetProperty("key").GetString() == "service.name")
                .GetProperty("value").GetProperty("stringValue").GetString()!;
            foreach (var span in resourceSpans.GetProperty("scopeSpans").EnumerateArray().SelectMany(s => s.GetProperty("spans").EnumerateArray()))
            {
                spans.Add(new TraceSpan(
                    resource,
                    span.GetProperty("name").GetString()!,
                    // OTLP numbers span kinds from 1 (internal); ActivityKind from 0.
                    (ActivityKind)(span.GetProperty("kind").GetInt32() - 1),
                    span.GetProperty("traceId").GetString()!,
                    span.GetProperty("spanId").GetString()!,
                    span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } id ? id : null));
            }
        }

        return spans;
    }

    public void Dispose() => http.Dispose();
}
