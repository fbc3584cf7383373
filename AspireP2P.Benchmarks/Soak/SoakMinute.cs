using System.Globalization;

namespace AspireP2P.Benchmarks.Soak;

/// <summary>One sample of the soak: what a person waiting on the dashboard would have felt, and what it was holding.</summary>
public sealed record SoakMinute
{
    public double Minute { get; init; }
    public string LoadAverage { get; init; } = "";
    public long Posted { get; init; }
    public long Failed { get; init; }
    public long Skipped { get; init; }
    public TimedQuery TracesQuery { get; init; }
    public PageTiming TracesPage { get; init; }
    public PageTiming TracePage { get; init; }
    public string? OpenedTrace { get; init; }
    public double DashboardRssMb { get; init; }

    /// <summary>Share of one core the dashboard used since the previous sample.</summary>
    public double DashboardCpu { get; init; }
    /// <summary>Cores used by every process of the run (AppHost, DCP, dashboard, nodes) and by everything else on the machine.</summary>
    public double RunCores { get; init; }
    public double OtherCores { get; init; }
    public long SpansHeld { get; init; }
    public long TracesHeld { get; init; }
    public long LogsHeld { get; init; }
    public long SpansPerMinute { get; init; }
    public long LogsPerMinute { get; init; }
    public long PointsPerMinute { get; init; }
    public long MetricSeries { get; init; }
    public double DatabaseMb { get; init; }
    public int TracesTried { get; init; }
    public int TracesKept { get; init; }
    public int TracesWhole { get; init; }
    public string? Note { get; init; }

    public const string Header =
        "  min  load (1/5/15)   posted  fail | traces?limit=20  Traces page  a trace | dash RSS   CPU | run/other cores | spans/min  logs/min  points/min | held: traces   spans    logs  series   db MB | kept  whole";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Minute,5:0.0}  {LoadAverage,-15} {Posted,7} {Failed + Skipped,5} | {Seconds(TracesQuery),15} {Page(TracesPage),12} {Page(TracePage),8} | {DashboardRssMb,5:0} MB {DashboardCpu,4:P0} | {RunCores,7:0.00}/{OtherCores,-7:0.00} | {SpansPerMinute,9} {LogsPerMinute,9} {PointsPerMinute,11} | {TracesHeld,12} {SpansHeld,7} {LogsHeld,7} {MetricSeries,7} {DatabaseMb,7:0} | {TracesKept,2}/{TracesTried,-3} {TracesWhole,2}/{TracesKept,-2}{(Note is null ? "" : "  " + Note)}");

    private static string Seconds(TimedQuery query) => query.Error is null ? $"{query.Elapsed.TotalSeconds:0.00} s" : "failed";

    private static string Page(PageTiming page) => page.Error is null ? $"{page.Elapsed.TotalSeconds:0.00} s" : "failed";
}
