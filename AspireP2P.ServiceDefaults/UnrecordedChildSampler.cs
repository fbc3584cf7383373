using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// For a span whose parent in this process was not sampled: create it, but never record or export it.
/// OpenTelemetry's default (drop) makes <c>StartActivity</c> return null there, and code that then starts its next
/// span with no parent begins a new trace, which the root sampler may keep: a trace cut off from its root.
/// With this, every span below an unsampled root exists and carries that root's trace id and "not sampled" flag
/// into the traceparent it sends, so the decision made at the root holds on every node.
/// </summary>
public sealed class UnrecordedChildSampler : Sampler
{
    private static readonly SamplingResult RecordOnly = new(SamplingDecision.RecordOnly);

    public UnrecordedChildSampler() => Description = nameof(UnrecordedChildSampler);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) => RecordOnly;
}
