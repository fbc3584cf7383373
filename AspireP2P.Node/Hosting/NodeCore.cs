using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Supervision;
using AspireP2P.Node.Telemetry;
using AspireP2P.Node.Transport;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Hosting;

/// <summary>What a node core runs on: the parts a real node takes from its host and the simulator fakes.</summary>
public sealed class NodeEnvironment
{
    public required IRecordLog Log { get; init; }

    public required NodeKeys Keys { get; init; }

    public required IPeerTransport Transport { get; init; }

    public required Func<PeerAddress> Address { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Random Random { get; init; } = Random.Shared;

    public Func<int, byte[]> Nonce { get; init; } = RandomNumberGenerator.GetBytes;

    public ILoggerFactory Logs { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    public IMeterFactory? Meters { get; init; }

    /// <summary>Fault injection (development only), or null.</summary>
    public NetworkFaults? Faults { get; init; }

    /// <summary>Exceptions injected into the node's parts (tests, the simulator, development only), or null.</summary>
    public ComponentFaults? ComponentFaults { get; init; }
}

/// <summary>
/// One node's core: its records, feed, keys, links and mesh, wired together, without HTTP. A real node builds one from its
/// services (<see cref="NodeServiceExtensions"/>); the simulator builds thousands over the in-memory transport. The path
/// of a record reads straight through it: <see cref="Publisher"/> (or a link's <see cref="RecordIntake"/>) →
/// <see cref="RecordStore"/> → each <see cref="Link"/>'s writer → the peer's reader → its intake → its store.
/// </summary>
public sealed class NodeCore : IAsyncDisposable
{
    /// <summary>How long the node's tasks get to end once it stops.</summary>
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(5);

    private int _disposed;

    private NodeCore(NodeContext context, NodeEnvironment environment)
    {
        Context = context;
        Environment = environment;
        Publisher = new Publisher(context);
        Intake = new RecordIntake(context, Publisher);
        var policy = new DialPolicy(context.Options.DialAllowList, context.Options.PeerList.Select(p => PeerAddress.TryParse(p, out var a, out _) ? a : default).Where(a => a.Port > 0));
        Mesh = new MeshLoop(context, new Dialer(context, environment.Transport, Intake, environment.Faults), environment.Faults, policy);
        Acceptor = new LinkAcceptor(context, Mesh, Intake, environment.Faults);
    }

    public NodeContext Context { get; }

    public NodeEnvironment Environment { get; }

    public Publisher Publisher { get; }

    public RecordIntake Intake { get; }

    public MeshLoop Mesh { get; }

    public LinkAcceptor Acceptor { get; }

    /// <summary>The node's fatal failure, once it has one: it then fails stop.</summary>
    public NodeFailure Failure => Context.Failure;

    public RecordStore Store => Context.Store;

    public LocalNode Local => Context.Local;

    public static NodeCore Create(NodeOptions options, NodeEnvironment environment)
    {
        var telemetry = new NodeTelemetry(environment.Meters);
        var failure = new NodeFailure(environment.Time, environment.Logs.CreateLogger<NodeFailure>());
        var supervisor = new TaskSupervisor(environment.Time, environment.Random, telemetry, failure, environment.Logs.CreateLogger<TaskSupervisor>());
        var store = new RecordStore(environment.Log, supervisor.Report);
        var relay = new Relay(store, options.TailBytes);
        store.Observe(relay);
        var local = new LocalNode(environment.Keys, options.Name, environment.Address, new NetworkKeyring(options.NetworkKey), options.RequireSignatures);
        var context = new NodeContext
        {
            Options = options,
            Local = local,
            Store = store,
            Feed = new OwnFeed(options.DataDir, store.HighOf(environment.Keys.Id)),
            Verifier = new EntryVerifier(environment.Keys.Scheme),
            Codec = new MessageCodec(options.MaxRecordBytes),
            Telemetry = telemetry,
            Time = environment.Time,
            Random = environment.Random,
            Logs = environment.Logs,
            Nonce = environment.Nonce,
            Relay = relay,
            Supervisor = supervisor,
            Failure = failure,
            Faults = environment.ComponentFaults,
        };
        // Gauges the dashboard charts: how many links are open, how many records are held.
        context.Telemetry.Meter.CreateObservableGauge("p2p.peers.connected", () => context.Links.Count, "{link}", "Links open to peers, both directions.");
        context.Telemetry.Meter.CreateObservableGauge("p2p.records.stored", () => store.Count, "{record}", "Records this node holds.");
        return new NodeCore(context, environment);
    }

    /// <summary>Starts the mesh and joins the bootstrap peers. Call once the node's address is known.</summary>
    public void Start(IEnumerable<PeerAddress> bootstrap)
    {
        Publisher.Start();
        Mesh.Start();
        Mesh.Bootstrap(bootstrap);
    }

    /// <summary>
    /// Signs what waits, closes every link, stops every task, makes the log durable and marks the feed as cleanly stopped
    /// (so no seqs are skipped next time). Runs once: the host disposes the core when it stops, and its service provider
    /// disposes it again.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Publisher.Stop();
        await Mesh.StopAsync();
        await Context.Supervisor.StopAsync(StopLimit);
        var clean = Store.Failure is null;
        await Store.DisposeAsync();
        if (clean)
        {
            try
            {
                Context.Feed.MarkClean();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not marked clean: the next run skips past the reservation, which is always safe.
                Context.Supervisor.Report("feed state", ex);
            }
        }

        Context.Supervisor.Dispose();
        Context.Telemetry.Dispose();
        Environment.Keys.Dispose();
    }
}
