using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>The ratios issues 10 and 22 set targets for; created first, so they head the table.</summary>
public sealed class Ratios(Report report)
{
    public Figure Kestrel { get; } = report.Add("ratio.kestrel", "0 peers: ours (default settings) ÷ bare Kestrel endpoint", "×", "≥ 0.7", true, 0.7);
    public Figure KestrelCpu { get; } = report.Add("ratio.kestrel.cpu", "…the same by CPU per request: bare Kestrel's ÷ ours", "×", "≥ 0.7", true, 0.7);
    public Figure Logging { get; } = report.Add("ratio.logging", "0 peers: ours default settings ÷ ours logging off", "×", "≥ 0.9", true, 0.9);
    public Figure LoggingCpu { get; } = report.Add("ratio.logging.cpu", "…the same by CPU per request: logging off's ÷ default's", "×", "≥ 0.9", true, 0.9);
    public Figure Tutorial { get; } = report.Add("ratio.tutorial", "3 peers: ours ÷ the tutorial's Deno node", "×", "≥ 3", true, 3);
    public Figure TutorialCpu { get; } = report.Add("ratio.tutorial.cpu", "…the same by CPU per record (all four nodes): the tutorial's ÷ ours", "×", "≥ 3", true, 3);
    public Figure TutorialNativeAot { get; } = report.Add("ratio.tutorial.aot", "3 peers: ours as the AppHost's default launch runs it (Native AOT) ÷ the tutorial's Deno node", "×", "≥ 3", true, 3);
    public Figure TutorialNativeAotCpu { get; } = report.Add("ratio.tutorial.aot.cpu", "…the same by CPU per record (all four nodes): the tutorial's ÷ ours", "×", "≥ 3", true, 3);
    public Figure KestrelNativeAot { get; } = report.Add("ratio.kestrel.aot", "0 peers: ours as the AppHost's default launch runs it (Native AOT) ÷ bare Kestrel endpoint", "×", "≥ 0.7", true, 0.7);
    public Figure KestrelNativeAotCpu { get; } = report.Add("ratio.kestrel.aot.cpu", "…the same by CPU per request: bare Kestrel's ÷ ours", "×", "≥ 0.7", true, 0.7);
    public Figure AppHost { get; } = report.Add("ratio.apphost", "Under the AppHost ÷ the same chain standalone (Release)", "×", "≥ 0.6", true, 0.6);
    public Figure AppHostCpu { get; } = report.Add("ratio.apphost.cpu", "…the same by CPU per record: standalone nodes' ÷ every AppHost process's", "×", "≥ 0.6", true, 0.6);
    public Figure AppHostAot { get; } = report.Add("ratio.apphost.aot", "…with --launch NativeAot ÷ the same chain standalone (JIT, Release)", "×", "≥ 0.6", true, 0.6);
    public Figure SignedOverUnsigned { get; } = report.Add("ratio.signed", "3 peers: ours (signed, on disk) ÷ the unsigned in-memory node of issue 10", "×", "≥ 0.7", true, 0.7);
    public Figure SignedOverUnsignedCpu { get; } = report.Add("ratio.signed.cpu", "…the same by CPU per record (all four nodes): unsigned's ÷ ours", "×", "≥ 0.7", true, 0.7);
    public Figure Complete { get; } = report.Add("traces.complete", "Share of record traces in the dashboard that are complete after the burst", "", "≥ 0.95", true, 0.95);
}
