using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>Sampling and export settings that keep telemetry true under load; each can be overridden by configuration.</summary>
public static class TelemetryDefaults
{
    /// <summary>New traces a process may start per second (<c>P2P__TracesPerSecond</c>); traces started elsewhere are always followed.</summary>
    public const string TracesPerSecondKey = "P2P:TracesPerSecond";

    public const double DefaultTracesPerSecond = 20;

    /// <summary>
    /// Span export sized so what was sampled reaches the collector: the SDK drops spans, silently, once its queue is
    /// full between two exports. Read by the OTLP exporter like the OTEL_BSP_* variables they are.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string?>> Export { get; } = new Dictionary<string, string?>
    {
        ["OTEL_BSP_MAX_QUEUE_SIZE"] = "8192",
    };

    /// <summary>
    /// The sampler of every P2P process. The decision is made once, where a trace starts (at most
    /// <paramref name="tracesPerSecond"/> new traces a second, <see cref="RateLimitingSampler"/>); every span after it,
    /// in this process and in every process that reads the traceparent's sampled flag, follows it (parent-based), and a
    /// span below an unsampled local parent is created but never recorded (<see cref="UnrecordedChildSampler"/>), so it
    /// hands the "not sampled" flag on. A trace is therefore kept on every node it reaches, or on none.
    /// </summary>
    /// <param name="untraced">True while the current request is one the node never traces; its span spends no trace.</param>
    public static Sampler CreateSampler(double tracesPerSecond, TimeProvider? time = null, Func<bool>? untraced = null)
    {
        Sampler root = new RateLimitingSampler(tracesPerSecond, time);
        if (untraced is not null)
        {
            root = new UntracedRequestSampler(root, untraced);
        }

        return new ParentBasedSampler(root, localParentNotSampled: new UnrecordedChildSampler());
    }

    public static double TracesPerSecond(IConfiguration configuration)
    {
        var text = configuration[TracesPerSecondKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultTracesPerSecond;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && double.IsFinite(value)
            ? value
            : throw new InvalidOperationException($"{TracesPerSecondKey} must be a number of traces per second, 0 or more; it is '{text}'.");
    }
}
