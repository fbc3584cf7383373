using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Trust;
using AspireP2P.Simulation.Network;
using AspireP2P.Simulation.Scheduling;

namespace AspireP2P.Simulation;

/// <summary>What to simulate.</summary>
public sealed record SimulationOptions
{
    public int Nodes { get; init; } = 100;

    public int TargetPeers { get; init; } = 6;

    public int MaxPeers { get; init; } = 16;

    public int Seed { get; init; } = 42;

    public string Scenario { get; init; } = "steady";

    /// <summary>Records published during the run, at random nodes.</summary>
    public int Records { get; init; } = 200;

    /// <summary><c>simulated</c> (a hash per signature) or <c>ed25519</c> (the real scheme, slower).</summary>
    public string Crypto { get; init; } = "simulated";

    public NetworkModel Network { get; init; } = NetworkModel.Default;

    /// <summary>Before publishing: nodes start, bootstrap and build their mesh by peer exchange.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Records are published over this window, while the scenario's faults happen.</summary>
    public TimeSpan PublishWindow { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>After the last publish and fault, how long the network gets to converge before the run counts as failed.</summary>
    public TimeSpan ConvergeLimit { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The command that replays this run.</summary>
    public string Command => $"dotnet run -c Release --project AspireP2P.Simulation -- --nodes {Nodes} --target-peers {TargetPeers}{(MaxPeers == 16 ? "" : $" --max-peers {MaxPeers}")} --seed {Seed} --scenario {Scenario} --records {Records} --crypto {Crypto}";
}

/// <summary>
/// A whole network in one process: <see cref="SimulationOptions.Nodes"/> real node cores on the in-memory transport and
/// a simulated clock, one thread, one seed. It warms up, publishes records while the scenario injects its faults, then
/// waits for the network to converge, checking its invariants: every live node holds the same set (equal digests), no
/// acknowledged record is lost, no record is stored twice, and link counts stay within bounds.
/// </summary>
public sealed class Simulation
{
    private readonly SimulationOptions _options;
    private readonly SimulationScheduler _scheduler = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SimulatedNetwork _network;
    private readonly Random _random;
    private readonly List<(NodeId Origin, long Seq, NodeId Publisher)> _acknowledged = [];
    private readonly HashSet<NodeId> _wiped = [];
    private readonly List<double> _latencies = [];
    private readonly List<string> _events = [];
    private long _retiredSent;
    private long _retiredStored;
    private long _publishFailures;
    private int _failStops;

    public Simulation(SimulationOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
        _network = new SimulatedNetwork(_scheduler, options.Network, options.Seed);
        ISignatureScheme scheme = options.Crypto == "ed25519" ? Ed25519Scheme.Instance : new SimulatedSignatureScheme();
        var nodeOptions = new NodeOptions { TargetPeers = Math.Min(options.TargetPeers, options.MaxPeers), MaxPeers = options.MaxPeers };
        var seeds = new Random(options.Seed ^ 0x5eed);
        Nodes = Enumerable.Range(0, options.Nodes).Select(i => new SimulatedNode(i, _scheduler, _network, scheme, nodeOptions, seeds)).ToList();
        foreach (var node in Nodes)
        {
            node.FailStopped += OnFailStop;
        }
    }

    /// <summary>How long the "orchestrator" waits before it starts a node that failed stop again, with its data.</summary>
    public static readonly TimeSpan RestartAfterFailStop = TimeSpan.FromSeconds(2);

    /// <summary>Nodes that failed stop during the run (each restarted with its data, as an orchestrator would).</summary>
    public int FailStops => _failStops;

    /// <summary>
    /// A node failed stop: its process is gone (crashed here). Like an orchestrator, the simulation
    /// starts it again with its data after a moment, unless its disk is broken (then the scenario replaces the disk).
    /// </summary>
    private void OnFailStop(SimulatedNode node, string reason)
    {
        Crash(node);
        _failStops++;
        Note($"{node} failed stop ({reason})");
        if (!node.DiskBroken)
        {
            _ = RestartLater();
        }

        async Task RestartLater()
        {
            await _scheduler.Delay(RestartAfterFailStop);
            if (!node.Alive && !node.DiskBroken)
            {
                Restart(node, withData: true);
            }
        }
    }

    public IReadOnlyList<SimulatedNode> Nodes { get; }

    public SimulationScheduler Scheduler => _scheduler;

    public SimulatedNetwork Network => _network;

    public Random Random => _random;

    public TimeSpan Now => TimeSpan.FromTicks(_scheduler.Now);

    /// <summary>A line for the report: what the scenario did and when (simulated time).</summary>
    public void Note(string what)
    {
        _events.Add($"{Now.TotalSeconds,7:0.000} s  {what}");
        if (Environment.GetEnvironmentVariable("P2P_SIM_TRACE") == "1")
        {
            Console.Error.WriteLine(_events[^1]);
        }
    }

    public IEnumerable<SimulatedNode> Alive => Nodes.Where(n => n.Alive);

    /// <summary>A random earlier node (a random tree): every node can reach node 0, and peer exchange makes it a mesh.</summary>
    public IReadOnlyList<PeerAddress> BootstrapFor(SimulatedNode node)
    {
        var candidates = Alive.Where(n => n != node && (n.Index < node.Index || node.Index == 0)).ToList();
        return candidates.Count == 0 ? [] : [candidates[_random.Next(candidates.Count)].Address];
    }

    public SimulationReport Run()
    {
        var wall = Stopwatch.StartNew();
        using var listener = ListenToLatencies();
        var scenario = Scenarios.Create(_options.Scenario);
        _scheduler.Run(() =>
        {
            foreach (var node in Nodes)
            {
                node.ClockSkew = scenario.ClockSkew(this, node);
                node.Start(BootstrapFor(node));
            }
        });
        Note($"{Nodes.Count} nodes started, target {_options.TargetPeers} peers each");
        _scheduler.RunFor(_options.Warmup);
        Note($"mesh after warm-up: {LinkSummary()}");

        Task? running = null;
        _scheduler.Run(() => running = scenario.RunAsync(this, _options));
        var deadline = _scheduler.Now + (_options.PublishWindow + TimeSpan.FromMinutes(10)).Ticks;
        while (!running!.IsCompleted && _scheduler.Now < deadline)
        {
            _scheduler.RunFor(TimeSpan.FromMilliseconds(100));
        }

        if (running.IsFaulted)
        {
            throw new InvalidOperationException($"scenario {_options.Scenario} failed: {running.Exception!.InnerException!.Message}", running.Exception);
        }

        var quietFrom = Now;
        var converged = false;
        while (Now - quietFrom < _options.ConvergeLimit)
        {
            _scheduler.RunFor(TimeSpan.FromMilliseconds(250));
            if (Converged())
            {
                converged = true;
                break;
            }
        }

        var convergedAfter = Now - quietFrom;
        Note(converged ? $"converged {convergedAfter.TotalSeconds:0.00} s after the last fault/publish" : $"did not converge; mesh: {LinkSummary()}");
        if (!converged && Environment.GetEnvironmentVariable("P2P_SIM_DEBUG") is not null)
        {
            foreach (var component in Components().Skip(1))
            {
                foreach (var node in component.Take(3))
                {
                    Note($"island of {component.Count}: {node} peers: " + string.Join("; ", node.Core!.Mesh.Snapshot.Peers.Select(p => $"{p.Address} {p.Origin} {p.State} {p.LastError}")));
                }
            }
        }
        if (_failStops > 0)
        {
            Note($"{_failStops} fail-stops, each restarted with its data");
        }

        var violations = CheckInvariants(converged);
        var report = Report(scenario, converged, convergedAfter, violations, wall.Elapsed);
        // Tear down inside the simulation, so every node's disposal runs to its end on this thread.
        _scheduler.Run(() =>
        {
            foreach (var node in Nodes)
            {
                node.Crash();
            }
        });
        _scheduler.RunFor(TimeSpan.FromSeconds(10));
        return report;
    }

    /// <summary>Publishes one record at <paramref name="node"/>; acknowledged when the node answers as POST /record would.</summary>
    public void Publish(SimulatedNode node, string value)
    {
        if (node.Core is not { } core)
        {
            return;
        }

        var publisher = core.Local.Id;
        var json = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(value));
        _ = Acknowledge();

        async Task Acknowledge()
        {
            try
            {
                var result = await core.Publisher.PublishAsync(json, CancellationToken.None);
                _acknowledged.Add((result.Entry.Origin, result.Entry.Seq, publisher));
            }
            catch (PublishFailedException)
            {
                _publishFailures++;
            }
        }
    }

    /// <summary>Crashes a node, remembering its counters; a node restarted without data wipes its old identity.</summary>
    public void Crash(SimulatedNode node)
    {
        if (node.Core is { } core)
        {
            var totals = core.Context.Telemetry.Totals;
            _retiredSent += totals.Sent;
            _retiredStored += totals.Stored;
        }

        node.Crash();
    }

    /// <summary>Starts a crashed node again; without its data it is a new node, and what only its old identity held may be gone.</summary>
    public void Restart(SimulatedNode node, bool withData)
    {
        if (!withData)
        {
            _wiped.Add(node.Identity);
        }

        node.Restart(withData, BootstrapFor(node));
    }

    /// <summary>Nodes that can hold records: alive, with a working log.</summary>
    private List<SimulatedNode> Healthy() => Alive.Where(n => n.Core!.Store.Failure is null).ToList();

    public bool Converged()
    {
        var healthy = Healthy();
        if (healthy.Count == 0)
        {
            return true;
        }

        var digest = healthy[0].Core!.Store.Digest;
        if (healthy.Any(n => n.Core!.Store.Digest != digest))
        {
            return false;
        }

        var store = healthy[0].Core!.Store;
        return _acknowledged.All(a => _wiped.Contains(a.Origin) || store.Contains(a.Origin, a.Seq));
    }

    private List<string> CheckInvariants(bool converged)
    {
        var violations = new List<string>();
        var healthy = Healthy();
        if (!converged)
        {
            var groups = healthy.GroupBy(n => n.Core!.Store.Digest).OrderByDescending(g => g.Count()).ToList();
            violations.Add($"not converged: {groups.Count} distinct digests among {healthy.Count} nodes ({string.Join(", ", groups.Take(4).Select(g => $"{g.Count()} × {g.Key.ToString()[..8]} holding {g.First().Core!.Store.Count}"))})");
        }

        foreach (var node in healthy)
        {
            var store = node.Core!.Store;
            var lost = _acknowledged.Where(a => !_wiped.Contains(a.Origin) && !store.Contains(a.Origin, a.Seq)).ToList();
            if (lost.Count > 0)
            {
                violations.Add($"{node}: {lost.Count} acknowledged records missing (first: {lost[0].Origin.Abbreviated}-{lost[0].Seq})");
            }

            var keys = store.Visible().Select(v => v.Item.Entry.Key).ToList();
            if (keys.Count != keys.Distinct(StringComparer.Ordinal).Count())
            {
                violations.Add($"{node}: a record is stored twice");
            }

            if (keys.Count != store.Count)
            {
                violations.Add($"{node}: counts {store.Count} records but shows {keys.Count}");
            }

            var links = node.Core.Context.Links.Count;
            if (links > _options.MaxPeers)
            {
                violations.Add($"{node}: {links} links, above the cap of {_options.MaxPeers}");
            }

            if (links == 0 && Nodes.Count > 1)
            {
                violations.Add($"{node}: no link at the end");
            }
        }

        return violations;
    }

    private SimulationReport Report(IScenario scenario, bool converged, TimeSpan convergedAfter, List<string> violations, TimeSpan wall)
    {
        var alive = Alive.ToList();
        var sent = _retiredSent + alive.Sum(n => n.Core!.Context.Telemetry.Totals.Sent);
        var stored = _retiredStored + alive.Sum(n => n.Core!.Context.Telemetry.Totals.Stored);
        var latencies = _latencies.Order().ToList();
        var links = alive.Select(n => n.Core!.Context.Links.Count).Order().ToList();
        return new SimulationReport(
            _options, converged && violations.Count == 0, violations, [.. _events],
            Acknowledged: _acknowledged.Count, PublishFailures: _publishFailures,
            Deliveries: stored, RecordMessages: sent, NetworkMessages: _network.Messages, NetworkBytes: _network.Bytes,
            LatencyP50: Percentile(latencies, 0.50), LatencyP90: Percentile(latencies, 0.90), LatencyP99: Percentile(latencies, 0.99),
            LatencyMax: latencies.Count > 0 ? latencies[^1] : 0,
            LinksMin: links.FirstOrDefault(), LinksMedian: links.Count > 0 ? links[links.Count / 2] : 0, LinksMax: links.LastOrDefault(), Components: Components().Count,
            ConvergedAfter: convergedAfter, HealTime: scenario.HealTime, SimulatedTime: Now, WallTime: wall, Steps: _scheduler.Steps,
            Fingerprint: Fingerprint(alive));
    }

    private string Fingerprint(List<SimulatedNode> alive)
    {
        var text = new StringBuilder();
        foreach (var node in Nodes)
        {
            text.Append(node.Index).Append(':');
            if (node.Core is { } core)
            {
                var totals = core.Context.Telemetry.Totals;
                text.Append(core.Local.Id).Append(',').Append(core.Store.Digest).Append(',').Append(core.Store.Count).Append(',')
                    .Append(totals.Sent).Append(',').Append(totals.Stored).Append(',').Append(totals.Duplicates).Append(',').Append(core.Context.Links.Count);
            }

            text.Append(';');
        }

        text.Append(_network.Messages).Append(',').Append(_network.Bytes).Append(',').Append(_acknowledged.Count).Append(',').Append(alive.Count);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private string LinkSummary()
    {
        var links = Alive.Select(n => n.Core!.Context.Links.Count).Order().ToList();
        return links.Count == 0
            ? "no nodes"
            : $"links per node min {links[0]}, median {links[links.Count / 2]}, max {links[^1]}; {Components().Count} connected component(s)";
    }

    /// <summary>The live nodes grouped by who can reach whom over open links (one group when the mesh is whole).</summary>
    internal List<List<SimulatedNode>> Components()
    {
        var alive = Alive.ToList();
        var byId = alive.ToDictionary(n => n.Identity);
        var seen = new HashSet<SimulatedNode>();
        var components = new List<List<SimulatedNode>>();
        foreach (var start in alive)
        {
            if (!seen.Add(start))
            {
                continue;
            }

            var component = new List<SimulatedNode> { start };
            for (var i = 0; i < component.Count; i++)
            {
                foreach (var link in component[i].Core!.Context.Links.Snapshot)
                {
                    if (byId.TryGetValue(link.PeerId, out var next) && seen.Add(next))
                    {
                        component.Add(next);
                    }
                }
            }

            components.Add(component);
        }

        return components.OrderByDescending(c => c.Count).ToList();
    }

    private MeterListener ListenToLatencies()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "p2p.record.propagation.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        // Other simulations may run in this process (tests): only this one's thread is this run's.
        var thread = Environment.CurrentManagedThreadId;
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                _latencies.Add(value);
            }
        });
        listener.Start();
        return listener;
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}
