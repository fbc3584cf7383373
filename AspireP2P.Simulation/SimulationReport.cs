using System.Globalization;
using System.Text;

namespace AspireP2P.Simulation;

/// <summary>What a run showed. <see cref="Fingerprint"/> summarizes the final state: the same seed gives the same one.</summary>
public sealed record SimulationReport(
    SimulationOptions Options, bool Passed, IReadOnlyList<string> Violations, IReadOnlyList<string> Events,
    int Acknowledged, long PublishFailures, long Deliveries, long RecordMessages, long NetworkMessages, long NetworkBytes,
    double LatencyP50, double LatencyP90, double LatencyP99, double LatencyMax,
    int LinksMin, int LinksMedian, int LinksMax, int Components,
    TimeSpan ConvergedAfter, TimeSpan? HealTime, TimeSpan SimulatedTime, TimeSpan WallTime, long Steps, string Fingerprint)
{
    /// <summary>Record messages sent per record stored somewhere (gossipsub's D = 6 mesh measures about 6.3).</summary>
    public double MessagesPerDelivery => Deliveries == 0 ? 0 : (double)RecordMessages / Deliveries;

    public string Format()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"scenario {Options.Scenario}: {Options.Nodes} nodes, target {Options.TargetPeers} peers (cap {Options.MaxPeers}), {Options.Records} records, seed {Options.Seed}, crypto {Options.Crypto}");
        foreach (var line in Events)
        {
            text.AppendLine(c, $"  {line}");
        }

        text.AppendLine();
        text.AppendLine("| figure | value |");
        text.AppendLine("|---|---|");
        text.AppendLine(c, $"| records acknowledged (POST answered) | {Acknowledged:N0}{(PublishFailures > 0 ? $" ({PublishFailures} answered with a failure: not acknowledged)" : "")} |");
        text.AppendLine(c, $"| deliveries (a record stored at a node) | {Deliveries:N0} |");
        text.AppendLine(c, $"| record messages sent | {RecordMessages:N0} |");
        text.AppendLine(c, $"| messages per delivery | {MessagesPerDelivery:0.00} |");
        text.AppendLine(c, $"| all messages on the network (records, heartbeats, vectors) | {NetworkMessages:N0} ({NetworkBytes / 1e6:0.0} MB) |");
        text.AppendLine(c, $"| propagation latency p50 / p90 / p99 / max (simulated) | {LatencyP50:0} / {LatencyP90:0} / {LatencyP99:0} / {LatencyMax:0} ms |");
        text.AppendLine(c, $"| links per node at the end min / median / max | {LinksMin} / {LinksMedian} / {LinksMax} |");
        text.AppendLine(c, $"| connected components at the end (1: one mesh) | {Components} |");
        if (HealTime is { } heal)
        {
            text.AppendLine(c, $"| time to heal after the partition ended | {heal.TotalSeconds:0.00} s |");
        }

        text.AppendLine(c, $"| converged after the last publish or fault | {ConvergedAfter.TotalSeconds:0.00} s |");
        text.AppendLine(c, $"| simulated time / wall time | {SimulatedTime.TotalSeconds:0.0} s / {WallTime.TotalSeconds:0.0} s ({Steps:N0} steps) |");
        foreach (var violation in Violations)
        {
            text.AppendLine(c, $"VIOLATION: {violation}");
        }

        if (!Passed)
        {
            text.AppendLine(c, $"replay: {Options.Command}");
        }

        text.AppendLine(c, $"converged: {(Passed ? "yes" : "no")}");
        text.Append(c, $"fingerprint: {Fingerprint}");
        return text.ToString();
    }
}
