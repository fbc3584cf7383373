using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace AspireP2P.Hosting;

/// <summary>
/// How much telemetry the network sends the dashboard, and how much the dashboard keeps: what makes the dashboard stay
/// quick for as long as the network runs (issue 25, docs/aspire.md "Telemetry under load").
/// <list type="bullet">
/// <item><see cref="P2PNetworkOptions.TracesPerSecond"/> (<c>WithTracesPerSecond</c>; <c>--traces-per-second</c> or
/// <c>Telemetry:TracesPerSecond</c> on the command line): new record traces the whole network starts per second, shared
/// out among the nodes (each node's <c>P2P__TracesPerSecond</c>). A trace is kept on every node it reaches or on none,
/// whatever the rate (the service defaults' sampler).</item>
/// <item><c>Dashboard:TelemetryLimits:*</c>: the dashboard's own limits, under the names Aspire documents (also
/// <c>DASHBOARD__TELEMETRYLIMITS__MAXTRACECOUNT</c> in the environment), with this project's defaults; any other limit
/// set there is passed on as is.</item>
/// </list>
/// </summary>
internal static class NetworkTelemetry
{
    public const string SectionName = "Telemetry";
    public const string TracesPerSecondKey = $"{SectionName}:TracesPerSecond";
    public const string LimitsSection = "Dashboard:TelemetryLimits";

    /// <summary>The dashboard's limits where ours differ from Aspire's (10,000 traces, 10,000 log entries, 50,000 points per metric series).</summary>
    public static readonly IReadOnlyDictionary<string, int> DefaultLimits = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        // The trace list (page and API) costs time in proportion to the traces held (docs/benchmarks.md, soak): 1,000
        // is a few minutes of records at the network's default budget, and every record when posting by hand.
        ["MaxTraceCount"] = 1_000,
        ["MaxLogCount"] = 10_000,
        // Points per metric series: an hour of the nodes' 5 s export, instead of 50,000 (almost three days).
        ["MaxMetricsCount"] = 720,
    };

    /// <summary>
    /// The dashboard's runtime: workstation GC instead of the server GC it ships with, which on two cores committed
    /// about three times the live heap (481 MB committed for 160 MB live after 9 minutes of soak) and kept the
    /// process's RSS climbing past 600 MB; a variable of the same name in the AppHost's environment wins.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DashboardRuntime = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["DOTNET_gcServer"] = "0",
    };

    /// <summary>The resource Aspire gives the dashboard it starts.</summary>
    private const string DashboardResourceName = "aspire-dashboard";

    /// <summary>The node's share of the network's trace budget, read when it starts (so <c>WithTracesPerSecond</c> may come later).</summary>
    public static IResourceBuilder<T> WithTraceBudget<T>(this IResourceBuilder<T> node, P2PNetworkOptions options) where T : IResourceWithEnvironment =>
        node.WithEnvironment(context =>
            context.EnvironmentVariables["P2P__TracesPerSecond"] = (options.TracesPerSecond / Math.Max(1, options.Nodes)).ToString("0.###", CultureInfo.InvariantCulture));

    /// <summary>The dashboard's limits and runtime (run mode; once per AppHost, however many networks it has).</summary>
    public static void AddDashboardLimits(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        // Aspire adds its dashboard to the model only as the application starts; its environment is read right after
        // this event, so limits added here are the ones it starts with.
        var limits = DashboardLimits(builder.Configuration);
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>((e, _) =>
        {
            if (e.Resource.Name == DashboardResourceName && !e.Resource.Annotations.OfType<DashboardLimitsAnnotation>().Any())
            {
                e.Resource.Annotations.Add(new DashboardLimitsAnnotation());
                e.Resource.Annotations.Add(new EnvironmentCallbackAnnotation(context =>
                {
                    foreach (var (name, value) in DashboardRuntime)
                    {
                        if (Environment.GetEnvironmentVariable(name) is null)
                        {
                            context.EnvironmentVariables[name] = value;
                        }
                    }

                    foreach (var (name, value) in limits)
                    {
                        // The name Aspire documents, so it replaces a variable of that name the dashboard would inherit.
                        context.EnvironmentVariables[$"DASHBOARD__TELEMETRYLIMITS__{name.ToUpperInvariant()}"] = value.ToString(CultureInfo.InvariantCulture);
                    }
                }));
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>Checks the trace budget and the dashboard's limits before anything starts (<see cref="P2PNetworkArgumentException"/> names the bad one).</summary>
    public static void Validate(IConfiguration configuration)
    {
        TracesPerSecond(configuration);
        DashboardLimits(configuration);
    }

    /// <summary>The network-wide trace budget the configuration sets, or null; refused when it is not a number of traces a second.</summary>
    public static double? TracesPerSecond(IConfiguration configuration)
    {
        var text = configuration[TracesPerSecondKey] ?? configuration[$"{P2PNetworkOptions.SectionName}:{nameof(P2PNetworkOptions.TracesPerSecond)}"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && double.IsFinite(value)
            ? value
            : throw new P2PNetworkArgumentException($"--traces-per-second must be a number of traces a second for the whole network, 0 or more, not '{text}'.");
    }

    /// <summary>Our defaults, overridden by whatever <c>Dashboard:TelemetryLimits</c> sets; each a positive whole number.</summary>
    public static IReadOnlyDictionary<string, int> DashboardLimits(IConfiguration configuration)
    {
        var limits = new Dictionary<string, int>(DefaultLimits, StringComparer.OrdinalIgnoreCase);
        foreach (var setting in configuration.GetSection(LimitsSection).GetChildren())
        {
            limits[setting.Key] = int.TryParse(setting.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new P2PNetworkArgumentException($"--{LimitsSection}:{setting.Key} must be a whole number above 0, not '{setting.Value}'.");
        }

        return limits;
    }

    /// <summary>Marks the dashboard resource once its limits are set (the start event may come again).</summary>
    private sealed class DashboardLimitsAnnotation : IResourceAnnotation;
}
