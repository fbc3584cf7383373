using AspireP2P.Node.Faults;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Supervision;
using AspireP2P.Node.Telemetry;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// The parts of one node that its links, mesh, intake and publisher share. A real node builds it from its services; the
/// simulator builds thousands, each with the simulated clock and a random source seeded from the run's seed.
/// </summary>
public sealed class NodeContext
{
    public required NodeOptions Options { get; init; }

    public required LocalNode Local { get; init; }

    public required RecordStore Store { get; init; }

    public required OwnFeed Feed { get; init; }

    public required EntryVerifier Verifier { get; init; }

    public required MessageCodec Codec { get; init; }

    public required NodeTelemetry Telemetry { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>Jitter, peer choice, nonces: <see cref="System.Random.Shared"/> in a real node, seeded in the simulator.</summary>
    public required Random Random { get; init; }

    public required ILoggerFactory Logs { get; init; }

    /// <summary>The open links, written by the mesh loop only.</summary>
    public OpenLinks Links { get; } = new();

    /// <summary>Fresh random bytes for link nonces (cryptographic in a real node).</summary>
    public required Func<int, byte[]> Nonce { get; init; }

    /// <summary>The follower of the record log that links replicate from.</summary>
    public required Relay Relay { get; init; }

    /// <summary>Starts and watches every long-running task of the node.</summary>
    public required TaskSupervisor Supervisor { get; init; }

    /// <summary>The node's fatal failure, once it has one (then it fails stop).</summary>
    public required NodeFailure Failure { get; init; }

    /// <summary>Exceptions injected into the node's parts (tests, the simulator, <c>--dev-faults</c>), or null.</summary>
    public ComponentFaults? Faults { get; init; }
}
