using System.Globalization;
using AspireP2P.Node.Broadcast;

namespace AspireP2P.Simulation.Overlay;

/// <summary>
/// The figures of issue 21's mesh and broadcast, measured in the policy harness:
/// <c>dotnet run -c Release --project AspireP2P.Simulation -- overlay [--seed N]</c> prints them all.
/// </summary>
public static class OverlayFigures
{
    /// <summary>HyParView's graph after a chain join, beside the model of today's peer exchange under the same join.</summary>
    /// <remarks><c>LargestActiveView</c>: the most active members any node holds (the links it keeps, not counting one it is closing).</remarks>
    public static (GraphShape HyParView, GraphShape PeerExchange, int LargestActiveView) ChainJoin(int nodes, int target, int maxPeers, int seed, TimeSpan settle)
    {
        var options = new OverlayOptions { Nodes = nodes, ActiveSize = target, Seed = seed, JoinInterval = JoinInterval(nodes) };
        var membership = new MembershipNetwork(options);
        membership.JoinAsAChain();
        membership.Run(options.JoinInterval * nodes + settle);
        var exchange = new PeerExchangeNetwork(options, maxPeers);
        exchange.JoinAsAChain();
        exchange.Run(options.JoinInterval * nodes + settle);
        return (membership.Shape(), exchange.Shape(), membership.Alive.Max(n => membership.Policy(n)!.Active.Count));
    }

    /// <summary>The graph of the survivors, some time after half of the nodes crashed at once.</summary>
    public static (GraphShape Before, GraphShape After) MassFailure(int nodes, int target, int seed, TimeSpan recover)
    {
        var options = new OverlayOptions { Nodes = nodes, ActiveSize = target, Seed = seed, JoinInterval = JoinInterval(nodes) };
        var network = new MembershipNetwork(options);
        network.JoinAsAChain();
        network.Run(options.JoinInterval * nodes + TimeSpan.FromSeconds(60));
        var before = network.Shape();
        var random = new Random(seed);
        network.Crash(Enumerable.Range(0, nodes).OrderBy(_ => random.Next()).Take(nodes / 2));
        network.Run(recover);
        return (before, network.Shape());
    }

    /// <summary>Eager/lazy push against flooding on the same settled HyParView graph, the same delays and publications.</summary>
    public static (BroadcastFigures EagerLazy, BroadcastFigures Flooding, GraphShape Graph) Broadcast(
        int nodes, int target, int seed, int records, double perSecond, TimeSpan latencyMin, TimeSpan latencyMax, TimeSpan jitter, double cutLinks = 0,
        int publishers = 0)
    {
        var options = new OverlayOptions { Nodes = nodes, ActiveSize = target, Seed = seed, JoinInterval = JoinInterval(nodes) };
        var membership = new MembershipNetwork(options);
        membership.JoinAsAChain();
        membership.Run(options.JoinInterval * nodes + Settle(nodes));
        var links = membership.Links.Where(l => membership.Alive.Contains(l.Key)).ToDictionary(l => l.Key, l => l.Value);
        var latency = new Latencies(latencyMin, latencyMax, seed);
        return (Run(eagerLazy: true), Run(eagerLazy: false), membership.Shape());

        BroadcastFigures Run(bool eagerLazy)
        {
            var network = new BroadcastNetwork(links, latency, eagerLazy, seed, Tuning, jitter: jitter);
            var random = new Random(seed);
            var gap = TimeSpan.FromSeconds(1 / perSecond);
            var at = TimeSpan.Zero;
            // Warm-up: every publisher publishes once, so every origin's tree has formed; then records at random publishers.
            var origins = links.Keys.OrderBy(_ => random.Next()).Take(publishers > 0 ? publishers : links.Count).ToArray();
            foreach (var node in origins)
            {
                network.Publish(at += gap, node);
            }

            network.Run(at + TimeSpan.FromSeconds(10));
            network.StartMeasuring();
            at = network.Loop.Now;
            if (cutLinks > 0)
            {
                // Halfway through, some links fail at once: the trees lose branches and must repair (GRAFT).
                network.CutLinks(at + (gap * (records / 2)), cutLinks, seed);
            }

            for (var i = 0; i < records; i++)
            {
                network.Publish(at += gap, origins[random.Next(origins.Length)]);
            }

            network.Run(at + TimeSpan.FromSeconds(10));
            var (last, every, undelivered) = network.Latencies();
            return new BroadcastFigures(network.MessagesPerDelivery, network.RecordMessages, network.Deliveries,
                network.Announcements / (double)Math.Max(1, network.Deliveries), network.AnnouncementBytes / (double)Math.Max(1, records),
                network.Grafts, network.Prunes, network.ControlBytes,
                Percentile(last, 50), Percentile(last, 99), last.Count == 0 ? 0 : last.Max(), Percentile(every, 50), Percentile(every, 99), undelivered);
        }
    }

    public static void Print(TextWriter output, int seed, string only = "all")
    {
        void Line(FormattableString text) => output.WriteLine(text.ToString(CultureInfo.InvariantCulture));
        Line($"overlay harness, seed {seed} (per-link delay 50-150 ms unless said; simulated time)");
        if (only is "all" or "shape")
        {
            foreach (var (nodes, target, cap) in new[] { (25, 3, 16), (200, 3, 4), (1000, 6, 16) })
            {
                var (hyparview, exchange, _) = ChainJoin(nodes, target, cap, seed, TimeSpan.FromSeconds(60));
                Line($"{nodes} nodes joining as a chain, target {target}, cap {cap}, 60 s after the last join:");
                Line($"    HyParView:                     {hyparview}");
                Line($"    today's peer exchange (model): {exchange}");
            }
        }

        if (only is "all" or "shape" or "mixing")
        {
            var options = new OverlayOptions { Nodes = 1000, ActiveSize = 6, Seed = seed, JoinInterval = JoinInterval(1000) };
            var network = new MembershipNetwork(options);
            network.JoinAsAChain();
            network.Run(options.JoinInterval * 1000);
            var after = TimeSpan.Zero;
            foreach (var step in new[] { 0, 30, 60, 120, 240, 480 })
            {
                network.Run(TimeSpan.FromSeconds(step) - after);
                after = TimeSpan.FromSeconds(step);
                Line($"1000 nodes joined as a chain, target 6, {step} s after the last join: {network.Shape()} ({network.Dials:N0} dials so far)");
            }
        }

        if (only is "all" or "failure")
        {
            foreach (var (nodes, target) in new[] { (25, 3), (200, 3), (1000, 6) })
            {
                var (before, after) = MassFailure(nodes, target, seed, TimeSpan.FromSeconds(30));
                Line($"{nodes} nodes, target {target}, half of them crash at once: before {before}");
                Line($"    30 s after: {after}");
            }
        }

        if (only is "all" or "broadcast" or "broadcast-small")
        {
            foreach (var (nodes, target, records, min, max, jitter, cut) in new[]
            {
                (25, 3, 400, 100, 100, 0, 0.0), (200, 6, 1000, 50, 150, 0, 0.0), (200, 6, 1000, 50, 150, 30, 0.0), (200, 6, 1000, 50, 150, 0, 0.1),
                (1000, 6, 1000, 50, 150, 0, 0.0),
            })
            {
                if (only == "broadcast-small" && nodes > 200)
                {
                    continue;
                }

                var (eagerLazy, flooding, graph) = Broadcast(nodes, target, seed, records, 20, TimeSpan.FromMilliseconds(min), TimeSpan.FromMilliseconds(max), TimeSpan.FromMilliseconds(jitter), cut);
                Line($"broadcast, {nodes} nodes, target {target}, {records} records at 20/s after a warm-up, delay {min}-{max} ms per hop{(jitter > 0 ? $" + 0-{jitter} ms jitter" : "")}{(cut > 0 ? $", {cut:P0} of the links cut halfway" : "")}:");
                Line($"    graph:      {graph}");
                Line($"    eager/lazy: {eagerLazy}");
                Line($"    flooding:   {flooding}");
            }
        }
    }

    /// <summary>Eager/lazy push's timers for the broadcast runs (the defaults unless an experiment sets them).</summary>
    public static BroadcastOptions Tuning { get; set; } = new();

    /// <summary>How long after the last join a graph is taken as settled: rotation needs a few minutes to mix a thousand nodes.</summary>
    private static TimeSpan Settle(int nodes) => TimeSpan.FromSeconds(nodes <= 200 ? 60 : 480);

    private static TimeSpan JoinInterval(int nodes) => TimeSpan.FromMilliseconds(nodes <= 100 ? 100 : 20);

    private static double Percentile(List<double> values, double percent)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>What one broadcast run measured.</summary>
public sealed record BroadcastFigures(
    double MessagesPerDelivery, long RecordMessages, long Deliveries, double AnnouncementsPerDelivery, double AnnouncementBytesPerRecord,
    long Grafts, long Prunes, long ControlBytes, double LastDeliveryP50, double LastDeliveryP99, double LastDeliveryMax,
    double DeliveryP50, double DeliveryP99, long Undelivered)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{MessagesPerDelivery:0.000} record messages per delivery ({RecordMessages:N0} for {Deliveries:N0}); announcements {AnnouncementsPerDelivery:0.00} per delivery, {AnnouncementBytesPerRecord:0} bytes per record; grafts {Grafts}, prunes {Prunes} ({ControlBytes:N0} bytes); last delivery p50/p99/max {LastDeliveryP50:0}/{LastDeliveryP99:0}/{LastDeliveryMax:0} ms; each delivery p50/p99 {DeliveryP50:0}/{DeliveryP99:0} ms; undelivered {Undelivered}");
}
