using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Samples at most <c>tracesPerSecond</c> new traces a second on average, from a token bucket that holds one second's
/// worth and at least <see cref="MinimumBurst"/>: a process that starts a few traces (a person posting by hand, a test)
/// keeps every one of them, and a stream or a burst keeps a steady, bounded number.
/// It decides only where a trace starts: wrapped in <see cref="ParentBasedSampler"/>, every span below a root, in this
/// process or in any other that reads the traceparent flags, follows the root's decision, so a kept trace is whole.
/// </summary>
public sealed class RateLimitingSampler : Sampler
{
    /// <summary>Traces a bucket holds at least, so that clicking "Post" a few times in a row traces every record.</summary>
    public const double MinimumBurst = 10;

    private readonly double _perSecond;
    private readonly double _capacity;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _refilledAt;

    public RateLimitingSampler(double tracesPerSecond, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tracesPerSecond);
        _perSecond = tracesPerSecond;
        // At least a few whole tokens, so a rate below one a second still samples now and then, and a handful of
        // records posted together are all traced.
        _capacity = tracesPerSecond == 0 ? 0 : Math.Max(MinimumBurst, tracesPerSecond);
        _time = time ?? TimeProvider.System;
        _tokens = _capacity;
        _refilledAt = _time.GetTimestamp();
        Description = $"RateLimitingSampler{{{tracesPerSecond}/s}}";
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_refilledAt, now).TotalSeconds;
            _refilledAt = now;
            _tokens = Math.Min(_capacity, _tokens + elapsed * _perSecond);
            if (_tokens < 1)
            {
                return new SamplingResult(SamplingDecision.Drop);
            }

            _tokens -= 1;
        }

        return new SamplingResult(SamplingDecision.RecordAndSample);
    }
}
