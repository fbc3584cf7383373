using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace AspireP2P.Testing;

/// <summary>One span as the dashboard shows it: which resource (node) produced it and where it hangs in its trace.</summary>
/// <param name="Resource">The resource that exported it (<c>service.name</c>: the node's resource name).</param>
/// <param name="Name">The span's name (<c>publish records</c>, <c>receive records</c>, <c>POST /record</c>, …).</param>
/// <param name="Kind">Its kind.</param>
/// <param name="TraceId">Its trace (32 hex digits).</param>
/// <param name="SpanId">Its id (16 hex digits).</param>
/// <param name="ParentSpanId">Its parent's id, or null for a root span.</param>
public sealed record P2PTraceSpan(string Resource, string Name, ActivityKind Kind, string TraceId, string SpanId, string? ParentSpanId);

/// <summary>
/// The Aspire dashboard's telemetry HTTP API (<c>/api/telemetry/…</c>, OTLP JSON): the spans a person sees in the
/// Traces view, after real export from the node processes. From <see cref="P2PTestNetwork.CreateDashboardClient"/>.
/// </summary>
public sealed class P2PDashboardTelemetry : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>A client over an HttpClient whose base address is the dashboard and that sends its API key (<c>X-API-Key</c>).</summary>
    public P2PDashboardTelemetry(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <summary>Every span of a trace the dashboard holds; empty while it has received none of it.</summary>
    public Task<IReadOnlyList<P2PTraceSpan>> GetTraceAsync(string traceId, CancellationToken cancellationToken = default) =>
        GetSpansAsync($"/api/telemetry/traces/{Uri.EscapeDataString(traceId)}", cancellationToken);

    /// <summary>Recent spans of one resource; empty while it has exported none.</summary>
    public Task<IReadOnlyList<P2PTraceSpan>> GetResourceSpansAsync(string resource, CancellationToken cancellationToken = default) =>
        GetSpansAsync($"/api/telemetry/spans?resource={Uri.EscapeDataString(resource)}&limit=1000", cancellationToken);

    /// <summary>
    /// Waits until the trace's spans satisfy <paramref name="complete"/> (export is batched: spans arrive over a second or
    /// two, node by node); returns them.
    /// </summary>
    public Task<IReadOnlyList<P2PTraceSpan>> WaitForTraceAsync(string traceId, Func<IReadOnlyList<P2PTraceSpan>, bool> complete, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(complete);
        return Poll.UntilAsync(
            ct => GetTraceAsync(traceId, ct),
            complete,
            spans => string.Join(", ", spans.Select(s => $"{s.Resource}: {s.Name}")),
            timeout ?? P2PTestNetwork.DefaultTimeout, $"trace {traceId} in the dashboard", cancellationToken);
    }

    private async Task<IReadOnlyList<P2PTraceSpan>> GetSpansAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync(TestingJsonContext.Default.JsonElement, cancellationToken).ConfigureAwait(false);
        var spans = new List<P2PTraceSpan>();
        foreach (var resourceSpans in body.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var resource = resourceSpans.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Single(a => a.GetProperty("key").GetString() == "service.name")
                .GetProperty("value").GetProperty("stringValue").GetString()!;
            foreach (var span in resourceSpans.GetProperty("scopeSpans").EnumerateArray().SelectMany(s => s.GetProperty("spans").EnumerateArray()))
            {
                spans.Add(new P2PTraceSpan(
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

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();
}
