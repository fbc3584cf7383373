using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Drops, before the rate limiter sees it, a trace that would start at a request the node never traces (health probes,
/// the AppHost's live-view reads, WebSocket upgrades): ASP.NET Core creates a root span for every request and samples it
/// before the instrumentation's filter runs, so without this each of those requests spent one of the node's traces a
/// second, and a node read twice a second by the live view kept fewer record traces than its rate.
/// </summary>
public sealed class UntracedRequestSampler(Sampler inner, Func<bool> untraced) : Sampler
{
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        untraced() ? Drop : inner.ShouldSample(samplingParameters);
}
