using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Broadcast;

/// <summary>The figures <c>broadcast</c> prints, with issue 21's targets.</summary>
public sealed class BroadcastFigures
{
    private readonly Report _report;
    private readonly bool _delayed;

    public BroadcastFigures(Report report, BroadcastOptions options)
    {
        _report = report;
        _delayed = options.DelayMs > 0;
        Sends = report.Add("clean.sends.per.node", "Record sends per node per record (nodes' totals.sent ÷ records ÷ nodes)", "", "≤ 1.2", targetValue: 1.2);
        Bytes = report.Add("clean.bytes.per.record", "Peer bytes per record, whole mesh: TCP payload between hosts (kernel counters), idle traffic of the window subtracted", "KB", "≤ 6", targetValue: 6);
        BytesIp = report.Add("clean.ip.bytes.per.record", "…the same as IP packets on the wire (headers and ACKs included)", "KB");
        BytesRaw = report.Add("clean.bytes.per.record.raw", "…TCP payload without subtracting idle traffic", "KB");
        Idle = report.Add("idle.bytes.per.s", "Idle bytes per second, whole mesh (TCP payload between hosts)", "KB/s", "≤ 4", targetValue: 4);
        IdleIp = report.Add("idle.ip.bytes.per.s", "…as IP packets on the wire", "KB/s");
        Median = report.Add("clean.latency.p50", "Full propagation (POST sent → stored on every node), median", "ms", _delayed ? "≤ 500" : null, targetValue: _delayed ? 500 : null);
        P99 = report.Add("clean.latency.p99", "…p99", "ms");
        Max = report.Add("clean.latency.max", "…max", "ms", _delayed ? "≤ 1000" : null, targetValue: _delayed ? 1000 : null);
        CleanLost = report.Add("clean.lost", "Lost (acknowledged, not on every node after convergence), no faults", "records", "0", targetValue: 0);
        Lost = report.Add("nemesis.lost", "Lost with a third of the nodes cut off", "records", "0", targetValue: 0);
        Converged = report.Add("nemesis.converged", "Converged after the heal (every record acknowledged before it on every node)", "s", "≤ 5", targetValue: 5);
    }

    public Figure Sends { get; }
    public Figure Bytes { get; }
    public Figure BytesRaw { get; }
    public Figure BytesIp { get; }
    public Figure Idle { get; }
    public Figure IdleIp { get; }
    public Figure Median { get; }
    public Figure P99 { get; }
    public Figure Max { get; }
    public Figure CleanLost { get; }
    public Figure Lost { get; }
    public Figure Converged { get; }

    public void IdleTraffic(Traffic idle, double seconds)
    {
        Idle.Runs.Add(idle.Payload / seconds / 1000);
        IdleIp.Runs.Add(idle.IpBytes / seconds / 1000);
    }

    public void Clean(PhaseResult phase, Traffic idle, double idleSeconds, int nodes)
    {
        var records = Math.Max(1, phase.Acknowledged);
        var share = phase.WindowSeconds / idleSeconds;
        Sends.Runs.Add(phase.TotalsDelta.GetValueOrDefault("sent") / (double)records / nodes);
        Bytes.Runs.Add((phase.Peer.Payload - (idle.Payload * share)) / records / 1000);
        BytesIp.Runs.Add((phase.Peer.IpBytes - (idle.IpBytes * share)) / records / 1000);
        BytesRaw.Runs.Add(phase.Peer.Payload / (double)records / 1000);
        Median.Runs.Add(BroadcastRunner.Pct(phase.FullPropagationMs, 50));
        P99.Runs.Add(BroadcastRunner.Pct(phase.FullPropagationMs, 99));
        Max.Runs.Add(BroadcastRunner.Pct(phase.FullPropagationMs, 100));
        CleanLost.Runs.Add(phase.Lost);
        _report.Add("clean.records", "Records acknowledged (of those posted)", "records").Runs.Add(phase.Acknowledged);
        foreach (var (name, delta) in phase.TotalsDelta.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            _report.Add($"clean.totals.{name}", $"Nodes' totals.{name}, all nodes, per record", "").Runs.Add(delta / (double)records);
        }
    }

    public void Nemesis(PhaseResult phase, int nodes)
    {
        Lost.Runs.Add(phase.Lost);
        if (phase.ConvergedAfterHealSeconds is { } seconds)
        {
            Converged.Runs.Add(seconds);
        }
        else
        {
            _report.Notes.Add("the nemesis phase did not converge within 60 s after the load");
        }

        var records = Math.Max(1, phase.Acknowledged);
        _report.Add("nemesis.records", "Records acknowledged during the nemesis phase (of those posted)", "records").Runs.Add(phase.Acknowledged);
        _report.Add("nemesis.bytes.per.record.raw", "Peer bytes (TCP payload) per record during the nemesis phase, idle not subtracted", "KB").Runs.Add(phase.Peer.Payload / (double)records / 1000);
        _report.Add("nemesis.sends.per.node", "Record sends per node per record during the nemesis phase", "").Runs.Add(phase.TotalsDelta.GetValueOrDefault("sent") / (double)records / nodes);
    }

    public void Mesh(MeshShape shape, string when)
    {
        _report.Add($"mesh.{when}.links", $"Mesh links ({when} the load)", "links").Runs.Add(shape.Links);
        _report.Add($"mesh.{when}.diameter", $"Mesh diameter ({when} the load)", "hops", when == "before" ? "≤ 8" : null, targetValue: when == "before" ? 8 : null).Runs.Add(shape.Diameter);
        _report.Add($"mesh.{when}.components", $"Mesh components ({when} the load)", "", "1", targetValue: 1).Runs.Add(shape.Components);
        _report.Add($"mesh.{when}.degree", $"Mesh degree min / median / max ({when})", "").Note = $"{shape.MinDegree} / {shape.MedianDegree:0.#} / {shape.MaxDegree}";
    }
}
