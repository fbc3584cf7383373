using System.Globalization;
using System.Text;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>
/// The end of <c>speed</c>: issue 22's figures alone, one row each, as the median (min–max) of the rounds, with the
/// date and the load average the run saw, so every figure quoted from it carries the load it was measured at.
/// </summary>
public static class SpeedSummary
{
    private static readonly (string Id, string Name, string Target)[] Rows =
    [
        ("ratio.tutorial", "3 peers, fresh: ours ÷ the tutorial's Deno node", "≥ 3"),
        ("ratio.tutorial.cpu", "…by CPU per record (the tutorial's ÷ ours)", ""),
        ("ratio.tutorial.aot", "3 peers, fresh: ours as the AppHost runs it (Native AOT) ÷ the tutorial's", "≥ 3"),
        ("ratio.tutorial.aot.cpu", "…by CPU per record (the tutorial's ÷ ours)", ""),
        ("ratio.kestrel", "0 peers, fresh: ours ÷ bare Kestrel", "≥ 0.7"),
        ("ratio.kestrel.cpu", "…by CPU per request (bare's ÷ ours)", ""),
        ("ratio.kestrel.aot", "0 peers, fresh: ours as the AppHost runs it (Native AOT) ÷ bare Kestrel", "≥ 0.7"),
        ("ratio.kestrel.aot.cpu", "…by CPU per request (bare's ÷ ours)", ""),
        ("ratio.apphost", "3-node chain: under the AppHost ÷ standalone", "≥ 0.6"),
        ("ratio.apphost.cpu", "…by CPU per record (standalone's ÷ the AppHost's, every process)", ""),
        ("ratio.signed", "3 peers, fresh: signed ÷ unsigned", "≥ 0.7"),
        ("ratio.signed.cpu", "…by CPU per record (unsigned's ÷ signed's)", ""),
        ("apphost.startup.10", "10 nodes, default launch: spawn → all /health Healthy", "≤ 5 s"),
        ("apphost.startup.50", "50 nodes, default launch: spawn → all /health Healthy", "≤ 20 s"),
        ("apphost.startup.10.rss", "Idle node RSS (10 nodes, median node)", "≤ 60 MB"),
        ("apphost.startup.50.rss", "Idle node RSS (50 nodes, median node)", "≤ 60 MB"),
        ("apphost.startup.50.pss", "…its PSS (50 nodes)", ""),
    ];

    public static string Table(Report report, CompareOptions options)
    {
        var figures = report.Figures.ToDictionary(f => f.Id);
        var machine = report.Machine;
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Issue 22, {machine.GetValueOrDefault("date")}, load average {machine.GetValueOrDefault("loadavgAtStart")} → {machine.GetValueOrDefault("loadavgAtEnd")}, " +
            $"medians of {options.Runs} (min–max), fresh processes, {Wrk.Command}, {options.Duration:0} s:");
        text.AppendLine("| Figure | Target | Median (min–max) | |");
        text.AppendLine("|---|---|---:|---|");
        foreach (var (id, name, target) in Rows)
        {
            if (!figures.TryGetValue(id, out var figure) || figure.Median is not { } median)
            {
                continue;
            }

            var unit = figure.Unit is "" or "×" ? figure.Unit : " " + figure.Unit;
            var met = figure.Met switch { true => "met", false => "MISSED", null => "" };
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {target} | {Report.Format(median)}{unit} ({Report.Format(figure.Min!.Value)}–{Report.Format(figure.Max!.Value)}) | {met} |");
        }

        return text.ToString();
    }
}
