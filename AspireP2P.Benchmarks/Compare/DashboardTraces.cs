using System.Text.Json;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>How many record traces the dashboard holds, and how many of them are whole.</summary>
public readonly record struct TraceCensus(int RecordTraces, int Complete, int WithoutPublish, int Spans)
{
    public double CompleteShare => RecordTraces == 0 ? double.NaN : (double)Complete / RecordTraces;
}

/// <summary>
/// Reads the traces the Aspire dashboard holds through its telemetry API (<c>GET /api/telemetry/traces</c>,
/// <c>X-API-Key</c> = <c>AppHost:DashboardApiKey</c>), what a developer would see in the Traces page.
/// A record trace is one with a <c>publish records</c>, <c>send records</c> or <c>receive records</c> span; it is
/// complete when it has the <c>publish records</c> span and a <c>receive records</c> span on every other node the
/// record reached (in a chain that converged: every node).
/// </summary>
public static class DashboardTraces
{
    public static async Task<TraceCensus> CountAsync(Uri dashboard, string apiKey, int nodes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(dashboard, "/api/telemetry/traces?limit=100000"));
        request.Headers.Add("X-API-Key", apiKey);
        using var response = await Http.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        var traces = new Dictionary<string, (bool Publish, bool Record, HashSet<string> Receivers)>();
        var spans = 0;
        foreach (var resource in document.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = ServiceName(resource);
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    spans++;
                    var name = span.GetProperty("name").GetString();
                    if (name is not ("publish records" or "send records" or "receive records"))
                    {
                        continue;
                    }

                    var id = span.GetProperty("traceId").GetString()!;
                    if (!traces.TryGetValue(id, out var trace))
                    {
                        trace = (false, true, []);
                    }

                    if (name == "publish records")
                    {
                        trace.Publish = true;
                    }
                    else if (name == "receive records")
                    {
                        trace.Receivers.Add(service);
                    }

                    traces[id] = trace;
                }
            }
        }

        var complete = traces.Values.Count(t => t.Publish && t.Receivers.Count >= nodes - 1);
        var withoutPublish = traces.Values.Count(t => !t.Publish);
        return new TraceCensus(traces.Count, complete, withoutPublish, spans);
    }

    /// <summary>Waits until the dashboard's span count stops growing (the nodes' exporters flushed) and returns the census.</summary>
    public static async Task<TraceCensus> SettledAsync(Uri dashboard, string apiKey, int nodes, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = await CountAsync(dashboard, apiKey, nodes);
        var stableSince = clock.Elapsed;
        while (clock.Elapsed < timeout)
        {
            await Task.Delay(500);
            var now = await CountAsync(dashboard, apiKey, nodes);
            if (now.Spans != last.Spans)
            {
                stableSince = clock.Elapsed;
                last = now;
            }
            else if (clock.Elapsed - stableSince > TimeSpan.FromSeconds(3))
            {
                break;
            }
        }

        return last;
    }

    /// <summary>The <c>service.name</c> of an OTLP resource (the node), or <c>?</c>.</summary>
    internal static string ServiceName(JsonElement resource)
    {
        if (resource.TryGetProperty("resource", out var r) && r.TryGetProperty("attributes", out var attributes))
        {
            foreach (var attribute in attributes.EnumerateArray())
            {
                if (attribute.GetProperty("key").GetString() == "service.name")
                {
                    return attribute.GetProperty("value").GetProperty("stringValue").GetString() ?? "?";
                }
            }
        }

        return "?";
    }
}
