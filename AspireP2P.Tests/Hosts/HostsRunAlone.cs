namespace AspireP2P.Tests.Hosts;

/// <summary>
/// The hosts tests run one at a time: five node processes each, and timings (heartbeats, injected latency) that
/// must not compete for the machine's two cores with another network.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostsRunAlone
{
    public const string Name = "Hosts";
}
