using System.Text.Json;
using AspireP2P.Node.Faults;

namespace AspireP2P.Node.Apis;

/// <summary>
/// Development-only fault injection (mapped only with <c>--dev-faults true</c>; without it none of these routes exist):
/// partition this node for N seconds, delay or "lose" (retransmit late) what it sends, heal, and make one of its parts
/// throw (to see what the node does when a part fails). The AppHost's dashboard commands call them; the effects show in
/// the node's links, health, traces and metrics.
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
        group.MapPost("/throw", ThrowAsync)
            .AcceptsJson<ThrowRequest>()
            .Produces<ThrowResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("InjectException")
            .WithSummary("Makes a part of this node throw: {\"part\": \"Signer\", \"exception\": \"UnauthorizedAccessException\", \"times\": 3}.")
            .WithDescription("Parts: " + string.Join(", ", Enum.GetNames<FaultPoint>()) + ". Exceptions: " + string.Join(", ", ComponentFaults.Kinds.Keys) + ".");
        return app;
    }

    private static async Task<IResult> ThrowAsync(HttpRequest request, Hosting.NodeCore core)
    {
        var (document, error) = await JsonBody.ReadObjectAsync(request, 1024, Fail);
        if (document is null)
        {
            return error!;
        }

        using (document)
        {
            var root = document.RootElement;
            var usage = $"the body is {{\"part\": {string.Join("|", Enum.GetNames<FaultPoint>())}, \"exception\": {string.Join("|", ComponentFaults.Kinds.Keys)}, \"times\": 1-1000}}";
            if (core.Context.Faults is not { } faults
                || !root.TryGetProperty("part"u8, out var part) || part.ValueKind != JsonValueKind.String || !Enum.TryParse<FaultPoint>(part.GetString(), out var point)
                || !root.TryGetProperty("exception"u8, out var kind) || kind.ValueKind != JsonValueKind.String || !ComponentFaults.Kinds.TryGetValue(kind.GetString()!, out var make)
                || !Read(root, "times", 1, 1000, out var times))
            {
                return JsonBody.Problem(StatusCodes.Status400BadRequest, Fail, usage);
            }

            var count = root.TryGetProperty("times"u8, out _) ? (int)times : 1;
            faults.Inject(point, count, () => make($"injected into the {point} (POST /api/dev/throw)"));
            return TypedResults.Json(new ThrowResponse(point.ToString(), kind.GetString()!, count), ApiJsonContext.Relaxed.ThrowResponse);
        }
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

/// <summary>POST /api/dev/throw's body.</summary>
public sealed record ThrowRequest(string Part, string Exception, int? Times);

/// <summary>POST /api/dev/throw's answer: what will throw, and how many times.</summary>
public sealed record ThrowResponse(string Part, string Exception, int Times);

/// <summary>POST /api/dev/link-faults's body; each field optional.</summary>
public sealed record LinkFaultsRequest(int? LatencyMs, int? JitterMs, double? LossPercent);
