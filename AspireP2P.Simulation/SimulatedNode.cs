using System.Buffers.Binary;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Trust;
using AspireP2P.Simulation.Network;
using AspireP2P.Simulation.Scheduling;

namespace AspireP2P.Simulation;

/// <summary>
/// One simulated node: a real <see cref="NodeCore"/> on the in-memory transport, the simulated clock (shifted when its
/// clock is skewed) and a random source and key drawn from the run's seed. It can crash (its links cut at once, as a
/// killed process's are) and restart, with its data or as a new node at the same address. A node that fails stop (a part
/// that could not recover) crashes the same way, and says so (<see cref="FailStopped"/>), as its process would exit.
/// </summary>
public sealed class SimulatedNode
{
    private readonly SimulationScheduler _scheduler;
    private readonly SimulatedNetwork _network;
    private readonly ISignatureScheme _scheme;
    private readonly NodeOptions _options;
    private readonly Random _seeds;
    private IDisposable? _registration;
    private int _generation;

    public SimulatedNode(int index, SimulationScheduler scheduler, SimulatedNetwork network, ISignatureScheme scheme, NodeOptions options, Random seeds)
    {
        Index = index;
        _scheduler = scheduler;
        _network = network;
        _scheme = scheme;
        _options = options;
        _seeds = seeds;
        Address = new PeerAddress($"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}", 4000, Secure: false);
        Log = new MemoryRecordLog();
        Seed = NextSeed();
    }

    public int Index { get; }

    public PeerAddress Address { get; }

    public NodeCore? Core { get; private set; }

    public bool Alive => Core is not null;

    /// <summary>The node's record log; it survives a crash (the disk) unless the node restarts without its data.</summary>
    public MemoryRecordLog Log { get; private set; }

    public byte[] Seed { get; private set; }

    /// <summary>Exceptions the scenario injects into this node's parts (whatever life it is in).</summary>
    public ComponentFaults Faults { get; } = new();

    /// <summary>Its disk refuses every write until it is replaced (<see cref="BreakDisk"/>, <see cref="ReplaceDisk"/>).</summary>
    public bool DiskBroken { get; private set; }

    /// <summary>Raised on the simulation's thread when the node failed stop, with why; the handler crashes it (else it crashes itself).</summary>
    public event Action<SimulatedNode, string>? FailStopped;

    /// <summary>How far this node's wall clock is from true (simulated) time.</summary>
    public TimeSpan ClockSkew { get; set; }

    /// <summary>The node's id in its current (or last) life.</summary>
    public NodeId Identity { get; private set; }

    public void Start(IEnumerable<PeerAddress> bootstrap)
    {
        var random = new Random(BinaryPrimitives.ReadInt32LittleEndian(Seed));
        var time = ClockSkew == TimeSpan.Zero ? (TimeProvider)_scheduler.Time : new SkewedTime(_scheduler.Time, ClockSkew);
        Core = NodeCore.Create(_options, new NodeEnvironment
        {
            Log = Log,
            Keys = NodeKeys.FromSeed(Seed, _scheme),
            Transport = _network.Transport.TransportFor(Address),
            Address = () => Address,
            Time = time,
            Random = random,
            Nonce = length =>
            {
                var bytes = new byte[length];
                random.NextBytes(bytes);
                return bytes;
            },
            ComponentFaults = Faults,
        });
        var core = Core;
        // As the process would exit: the crash happens after whatever failed has returned, on the simulation's thread.
        core.Failure.OnFailed(report => _scheduler.Post(_ =>
        {
            if (Core == core)
            {
                if (FailStopped is { } handler)
                {
                    handler(this, $"{report.Part}: {report.Reason}");
                }
                else
                {
                    Crash();
                }
            }
        }, null));
        Identity = Core.Local.Id;
        _registration = _network.Transport.Register(Address, Core.Acceptor);
        _generation++;
        Core.Start(bootstrap);
    }

    /// <summary>Kills the node: every link ends at once (peers see the connection drop), nothing is flushed or said.</summary>
    public void Crash()
    {
        if (Core is not { } core)
        {
            return;
        }

        _registration?.Dispose();
        _network.Transport.AbortAll(Address);
        Core = null;
        _ = core.DisposeAsync().AsTask();
    }

    /// <summary>Starts again: with its data (same key, same feed, same records) or as a new node (new key, empty).</summary>
    public void Restart(bool withData, IEnumerable<PeerAddress> bootstrap)
    {
        if (!withData)
        {
            Log = new MemoryRecordLog();
            Seed = NextSeed();
        }
        else
        {
            Log = Log.Reopened();
        }

        if (DiskBroken)
        {
            Log.FailWrites("simulated disk failure: no space left on device");
        }

        Start(bootstrap);
    }

    /// <summary>The disk stops taking writes (a full disk): the node fails stop, and so does every restart until the disk is replaced.</summary>
    public void BreakDisk(string reason)
    {
        DiskBroken = true;
        Log.FailWrites(reason);
    }

    /// <summary>The broken disk is replaced by one with the same data (the next start writes again).</summary>
    public void ReplaceDisk() => DiskBroken = false;

    private byte[] NextSeed()
    {
        var seed = new byte[32];
        _seeds.NextBytes(seed);
        return seed;
    }

    public override string ToString() => $"n{Index} ({Address})";

    /// <summary>A node's clock that is off by a fixed amount; timers still run at the simulation's pace.</summary>
    private sealed class SkewedTime(TimeProvider inner, TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + skew;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }
}
