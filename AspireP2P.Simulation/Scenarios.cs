namespace AspireP2P.Simulation;

/// <summary>A scenario: records published at random nodes over the window, and the faults that happen meanwhile.</summary>
public interface IScenario
{
    /// <summary>How far a node's clock is off (the skew scenario); zero elsewhere.</summary>
    TimeSpan ClockSkew(Simulation simulation, SimulatedNode node) => TimeSpan.Zero;

    Task RunAsync(Simulation simulation, SimulationOptions options);

    /// <summary>For scenarios that heal a fault: how long the network took to converge after it.</summary>
    TimeSpan? HealTime => null;
}

public static class Scenarios
{
    public static readonly string[] Names = ["steady", "churn", "partition", "bridge", "crash-restart", "skew", "disk", "faults"];

    public static IScenario Create(string name) => name switch
    {
        "steady" => new Steady(),
        "churn" => new Churn(),
        "partition" => new Partition(bridge: false),
        "bridge" => new Partition(bridge: true),
        "crash-restart" => new CrashRestart(),
        "skew" => new Skew(),
        "disk" => new DiskFaults(),
        "faults" => new ComponentFailures(),
        _ => throw new ArgumentException($"unknown scenario '{name}' (choose {string.Join(", ", Names)})", nameof(name)),
    };

    /// <summary>Publishes the run's records at random live nodes, evenly over the window (or the part of it given).</summary>
    internal static async Task PublishAsync(Simulation simulation, SimulationOptions options, double share = 1)
    {
        var gap = options.PublishWindow * share / Math.Max(1, options.Records);
        for (var i = 0; i < options.Records; i++)
        {
            await simulation.Scheduler.Delay(gap);
            var alive = simulation.Alive.ToList();
            if (alive.Count > 0)
            {
                simulation.Publish(alive[simulation.Random.Next(alive.Count)], $"record {i}");
            }
        }
    }

    /// <summary>Waits until the network has converged (checked every 100 ms) and returns how long that took.</summary>
    internal static async Task<TimeSpan> ConvergenceAsync(Simulation simulation, TimeSpan limit)
    {
        var start = simulation.Now;
        while (!simulation.Converged() && simulation.Now - start < limit)
        {
            await simulation.Scheduler.Delay(TimeSpan.FromMilliseconds(100));
        }

        return simulation.Now - start;
    }

    private sealed class Steady : IScenario
    {
        public Task RunAsync(Simulation simulation, SimulationOptions options) => PublishAsync(simulation, options);
    }

    /// <summary>Nodes keep crashing and coming back (most with their data, some as new nodes) while records are published.</summary>
    private sealed class Churn : IScenario
    {
        public async Task RunAsync(Simulation simulation, SimulationOptions options)
        {
            var publishing = PublishAsync(simulation, options);
            var restarts = new List<Task>();
            var end = simulation.Now + options.PublishWindow;
            var crashed = 0;
            while (simulation.Now < end)
            {
                await simulation.Scheduler.Delay(TimeSpan.FromMilliseconds(500));
                var alive = simulation.Alive.ToList();
                if (alive.Count <= 2)
                {
                    continue;
                }

                var victim = alive[simulation.Random.Next(alive.Count)];
                var withData = simulation.Random.NextDouble() < 0.8;
                simulation.Crash(victim);
                crashed++;
                restarts.Add(RestartLater(simulation, victim, TimeSpan.FromSeconds(1 + (4 * simulation.Random.NextDouble())), withData));
            }

            await publishing;
            await Task.WhenAll(restarts);
            simulation.Note($"churn: {crashed} crashes, each back within 5 s (80 % with their data, the rest as new nodes)");
        }

        private static async Task RestartLater(Simulation simulation, SimulatedNode node, TimeSpan after, bool withData)
        {
            await simulation.Scheduler.Delay(after);
            simulation.Restart(node, withData);
        }
    }

    /// <summary>The network splits into two random halves (optionally with a bridge node reaching both) for half the window.</summary>
    private sealed class Partition(bool bridge) : IScenario
    {
        public TimeSpan? HealTime { get; private set; }

        public async Task RunAsync(Simulation simulation, SimulationOptions options)
        {
            // Records keep coming on both sides until the partition heals; then the clock runs on how long the halves take to agree.
            var publishing = PublishAsync(simulation, options, share: 0.75);
            await simulation.Scheduler.Delay(options.PublishWindow / 4);
            var groups = simulation.Nodes.ToDictionary(n => n.Address.Key, _ => simulation.Random.Next(2));
            var bridges = bridge ? new[] { simulation.Nodes[simulation.Random.Next(simulation.Nodes.Count)].Address.Key } : [];
            simulation.Network.Partition(groups, bridges);
            simulation.Note($"partition: random halves ({groups.Values.Count(g => g == 0)} / {groups.Values.Count(g => g == 1)} nodes){(bridge ? $", bridge {bridges[0]}" : "")}");
            await simulation.Scheduler.Delay(options.PublishWindow / 2);
            await publishing;
            simulation.Network.Heal();
            simulation.Note("partition healed");
            HealTime = await ConvergenceAsync(simulation, options.ConvergeLimit);
        }
    }

    /// <summary>A tenth of the nodes are killed at once; later half come back with their data and half as new nodes.</summary>
    private sealed class CrashRestart : IScenario
    {
        public async Task RunAsync(Simulation simulation, SimulationOptions options)
        {
            var publishing = PublishAsync(simulation, options);
            await simulation.Scheduler.Delay(options.PublishWindow * 0.3);
            var victims = simulation.Alive.OrderBy(_ => simulation.Random.Next()).Take(Math.Max(1, simulation.Nodes.Count / 10)).ToList();
            foreach (var victim in victims)
            {
                simulation.Crash(victim);
            }

            simulation.Note($"crash: {victims.Count} nodes killed");
            await simulation.Scheduler.Delay(options.PublishWindow * 0.3);
            for (var i = 0; i < victims.Count; i++)
            {
                simulation.Restart(victims[i], withData: i % 2 == 0);
            }

            simulation.Note($"restart: {(victims.Count + 1) / 2} with their data, {victims.Count / 2} as new nodes");
            await publishing;
        }
    }

    /// <summary>Clocks up to an hour off either way (some exactly an hour), and a crash-restart among them: time decides nothing.</summary>
    private sealed class Skew : IScenario
    {
        public TimeSpan ClockSkew(Simulation simulation, SimulatedNode node) => (node.Index % 10) switch
        {
            0 => TimeSpan.FromHours(-1),
            1 => TimeSpan.FromHours(1),
            _ => TimeSpan.FromSeconds((simulation.Random.NextDouble() - 0.5) * 7200),
        };

        public async Task RunAsync(Simulation simulation, SimulationOptions options)
        {
            simulation.Note("clocks skewed by up to ±1 h");
            var publishing = PublishAsync(simulation, options);
            await simulation.Scheduler.Delay(options.PublishWindow / 2);
            var victims = simulation.Alive.Where(n => n.Index % 10 == 0).Take(Math.Max(1, simulation.Nodes.Count / 20)).ToList();
            foreach (var victim in victims)
            {
                simulation.Crash(victim);
            }

            await simulation.Scheduler.Delay(TimeSpan.FromSeconds(2));
            foreach (var victim in victims)
            {
                simulation.Restart(victim, withData: true);
            }

            simulation.Note($"{victims.Count} nodes an hour behind crashed and restarted with their data");
            await publishing;
        }
    }

    /// <summary>The disks of 5 % of the nodes fail (every write refused) while records keep coming; later the disks are replaced.</summary>
    private sealed class DiskFaults : IScenario
    {
        public async Task RunAsync(Simulation simulation, SimulationOptions options)
        {
            var publishing = PublishAsync(simulation, options);
            await simulation.Scheduler.Delay(options.PublishWindow * 0.3);
            var victims = simulation.Alive.OrderBy(_ => simulation.Random.Next()).Take(Math.Max(1, simulation.Nodes.Count / 20)).ToList();
            foreach (var victim in victims)
            {
                victim.BreakDisk("simulated disk failure: no space left on device");
            }

            // Each fails stop (its log cannot write) and stays down: an orchestrator's restarts would fail the same way.
            simulation.Note($"disk failure on {victims.Count} nodes");
            await simulation.Scheduler.Delay(options.PublishWindow * 0.4);
            foreach (var victim in victims)
            {
                simulation.Crash(victim);
                victim.ReplaceDisk();
                simulation.Restart(victim, withData: true);
            }

            simulation.Note("failed disks replaced: those nodes restarted with their data");
            await publishing;
        }
    }

    /// <summary>
    /// Exceptions nobody expected, injected into random parts of random nodes while records are published: the mesh loop
    /// and its tick, the signer, link readers and writers, the intake; a few at a time, sometimes enough to go past a
    /// loop's restart intensity. Links close and are re-dialed, loops restart, publishes fail with a reason, and nodes
    /// that fail stop are restarted with their data (the orchestrator); nothing acknowledged may be lost.
    /// </summary>
    private sealed class ComponentFailures : IScenario
    {
        private static readonly string[] Kinds = [.. AspireP2P.Node.Faults.ComponentFaults.Kinds.Keys];

        public async Task RunAsync(Simulation simulation, SimulationOptions options)
        {
            var publishing = PublishAsync(simulation, options);
            var end = simulation.Now + (options.PublishWindow * 0.8);
            var points = Enum.GetValues<AspireP2P.Node.Faults.FaultPoint>();
            var injected = 0;
            while (simulation.Now < end)
            {
                await simulation.Scheduler.Delay(TimeSpan.FromMilliseconds(250));
                var alive = simulation.Alive.ToList();
                if (alive.Count == 0)
                {
                    continue;
                }

                var node = alive[simulation.Random.Next(alive.Count)];
                var point = points[simulation.Random.Next(points.Length)];
                var kind = Kinds[simulation.Random.Next(Kinds.Length)];
                // Mostly one or two; now and then a burst past the restart intensity (five within a minute).
                var times = simulation.Random.NextDouble() < 0.1 ? 8 : 1 + simulation.Random.Next(2);
                node.Faults.Inject(point, times, () => AspireP2P.Node.Faults.ComponentFaults.Kinds[kind]($"injected into the {point} by the faults scenario"));
                injected++;
            }

            await publishing;
            foreach (var node in simulation.Nodes)
            {
                node.Faults.Clear();
            }

            simulation.Note($"faults: {injected} injections of exceptions into nodes' parts; {simulation.FailStops} fail-stops so far");
        }
    }
}
