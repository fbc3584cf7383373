using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Drops, before the rate limiter sees it, the span of a request the node never traces (health probes, the AppHost's
/// live-view reads, WebSocket upgrades): ASP.NET Core creates a root span for every request and samples it before the
/// instrumentation's filter runs, so without this each of those requests spent one of the node's traces a second, and a
/// node read twice a second by the live view kept fewer record traces than its rate. Only the request's own span: a span
/// the node starts while serving it (a tutorial node's record read on its WebSocket) is sampled as any other.
/// </summary>
public sealed class UntracedRequestSampler(Sampler inner, Func<bool> untraced) : Sampler
{
    /// <summary>The name ASP.NET Core gives the span it starts for every request, until the instrumentation renames it.</summary>
    public const string RequestSpanName = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name == RequestSpanName && untraced() ? Drop : inner.ShouldSample(samplingParameters);
}
