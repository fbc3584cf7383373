using System.Text.Json;
using AspireP2P.Node.Faults;

namespace AspireP2P.Node.Apis;

/// <summary>
/// Development-only fault injection (mapped only with <c>--dev-faults true</c>; without it none of these routes exist):
/// partition this node for N seconds, delay or "lose" (retransmit late) what it sends, heal. The AppHost's dashboard
/// commands call them; the effects show in the node's links, health, traces and metrics.
/// </summary>
public static class DevFaultsApi
{
    private const string Fail = "Fault Value Fail";

    public static IEndpointRouteBuilder MapDevFaultsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/dev").WithTags("Development faults").RequireApiKey();
        group.MapGet("/faults", (NetworkFaults faults) => TypedResults.Json(NodeApi.FaultsView(faults), ApiJsonContext.Relaxed.NodeFaultsView))
            .Produces<NodeFaultsView>()
            .WithName("GetFaults")
            .WithSummary("The faults in force on this node.");
        group.MapPost("/partition", PartitionAsync)
            .AcceptsJson<PartitionRequest>()
            .Produces<NodeFaultsView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("Partition")
            .WithSummary("Makes this node go dark for {\"seconds\": N}: nothing sent, nothing read, no link opened; neighbours notice through heartbeats.");
        group.MapPost("/link-faults", LinkFaultsAsync)
            .AcceptsJson<LinkFaultsRequest>()
            .Produces<NodeFaultsView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("SetLinkFaults")
            .WithSummary("Delays what this node sends: {\"latencyMs\", \"jitterMs\", \"lossPercent\"} (a lost message is retransmitted late, as on TCP).");
        group.MapPost("/heal", (NetworkFaults faults) =>
            {
                faults.Heal();
                return TypedResults.Json(NodeApi.FaultsView(faults), ApiJsonContext.Relaxed.NodeFaultsView);
            })
            .Produces<NodeFaultsView>()
            .WithName("Heal")
            .WithSummary("Ends the partition and removes link faults.");
        return app;
    }

    private static async Task<IResult> PartitionAsync(HttpRequest request, NetworkFaults faults)
    {
        var (document, error) = await JsonBody.ReadObjectAsync(request, 1024, Fail);
        if (document is null)
        {
            return error!;
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("seconds"u8, out var seconds) || seconds.ValueKind != JsonValueKind.Number
                || !seconds.TryGetDouble(out var value) || value is <= 0 or > 3600)
            {
                return JsonBody.Problem(StatusCodes.Status400BadRequest, Fail, "the body must be {\"seconds\": N} with 0 < N ≤ 3600");
            }

            faults.Partition(TimeSpan.FromSeconds(value));
            return TypedResults.Json(NodeApi.FaultsView(faults), ApiJsonContext.Relaxed.NodeFaultsView);
        }
    }

    private static async Task<IResult> LinkFaultsAsync(HttpRequest request, NetworkFaults faults)
    {
        var (document, error) = await JsonBody.ReadObjectAsync(request, 1024, Fail);
        if (document is null)
        {
            return error!;
        }

        using (document)
        {
            var root = document.RootElement;
            if (!Read(root, "latencyMs", 0, 60_000, out var latency) || !Read(root, "jitterMs", 0, 60_000, out var jitter)
                || !Read(root, "lossPercent", 0, 100, out var loss))
            {
                return JsonBody.Problem(StatusCodes.Status400BadRequest, Fail,
                    "the body is {\"latencyMs\": 0-60000, \"jitterMs\": 0-60000, \"lossPercent\": 0-100}, each optional");
            }

            faults.SetLinkFaults(new LinkFaultSettings((int)latency, (int)jitter, loss));
            return TypedResults.Json(NodeApi.FaultsView(faults), ApiJsonContext.Relaxed.NodeFaultsView);
        }
    }

    private static bool Read(JsonElement root, string name, double min, double max, out double value)
    {
        value = 0;
        if (!root.TryGetProperty(name, out var element))
        {
            return true;
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value) && value >= min && value <= max;
    }
}

/// <summary>POST /api/dev/partition's body.</summary>
public sealed record PartitionRequest(double Seconds);

/// <summary>POST /api/dev/link-faults's body; each field optional.</summary>
public sealed record LinkFaultsRequest(int? LatencyMs, int? JitterMs, double? LossPercent);
