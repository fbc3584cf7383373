namespace AspireP2P.Tests.Simulation;

/// <summary>
/// Simulations run with no other test at the same time: a run must replay exactly from its seed, and other tests'
/// <see cref="System.Diagnostics.ActivityListener"/>s (process-wide) would make the simulated nodes create spans, put
/// trace context in their messages and so change their sizes, and with them the simulated network's timing.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SimulationsRunAlone
{
    public const string Name = "Simulations run alone";
}
