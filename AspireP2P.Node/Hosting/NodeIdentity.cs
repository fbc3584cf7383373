using System.Security.Cryptography;
using AspireP2P.Node.Protocol;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// Who this node is: its id, the address peers dial (known once the server listens) and the sequence that
/// makes its record keys unique. With <c>--data-dir</c> the id is kept on disk, so a restarted node is the
/// same node: its log positions stay valid and peers resume where they stopped.
/// </summary>
public sealed class NodeIdentity
{
    private const string NodeIdFile = "node-id";
    private const string LogIdFile = "log-id";

    private readonly IOptions<NodeOptions> _options;
    private readonly IServer _server;
    private PeerAddress? _address;
    private long _sequence;

    public NodeIdentity(IOptions<NodeOptions> options, IServer server)
    {
        _options = options;
        _server = server;
        NodeId = ResolveNodeId(options.Value);
        var named = !string.IsNullOrWhiteSpace(options.Value.NodeId);
        var persistent = !string.IsNullOrWhiteSpace(options.Value.DataDir);
        // A generated node id already lives exactly as long as the log (one run, or the data directory).
        LogId = !named ? NodeId : persistent ? ReadOrCreate(options.Value.DataDir!, LogIdFile) : NewId();
        RecordKeyPrefix = LogId == NodeId ? $"{NodeId}-" : $"{NodeId}.{LogId[..8]}-";
    }

    public string NodeId { get; }

    /// <summary>
    /// Identity of this node's record log: new with every start unless the log is kept on disk. Peers key resume
    /// positions and "came from" by it, so a node restarted empty under the same node id gets everything again.
    /// </summary>
    public string LogId { get; }

    /// <summary>
    /// Keys of records created here are this prefix plus a sequence number. It names the log, not only the node,
    /// so a node restarted empty under a given name (<c>--node-id node-2</c>) never reuses a key.
    /// </summary>
    public string RecordKeyPrefix { get; }

    /// <summary>The address sent in HANDSHAKE (<c>host:port</c>).</summary>
    public PeerAddress Address => _address ??= ResolveAddress();

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>After reloading records, continue after the highest sequence this node ever used.</summary>
    public void ContinueAfter(long sequence)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _sequence);
        }
        while (sequence > current && Interlocked.CompareExchange(ref _sequence, sequence, current) != current);
    }

    private static string ResolveNodeId(NodeOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.NodeId))
        {
            return options.NodeId;
        }

        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            return NewId();
        }

        return ReadOrCreate(options.DataDir, NodeIdFile);
    }

    private static string ReadOrCreate(string dataDir, string file)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, file);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 and <= 64 } stored)
        {
            return stored;
        }

        var id = NewId();
        File.WriteAllText(path, id);
        return id;
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private PeerAddress ResolveAddress()
    {
        if (PeerAddress.TryParse(_options.Value.PublicAddress, out var configured, out _))
        {
            return configured;
        }

        // Port 0 means "any free port": only the running server knows which one it got.
        var bound = _server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (bound is not null && PeerAddress.TryParse(bound, out var listening, out _))
        {
            return listening.Host is "0.0.0.0" or "[::]" or "+" or "*" ? listening with { Host = "127.0.0.1" } : listening;
        }

        return new PeerAddress(_options.Value.Host, _options.Value.Port, Secure: false);
    }
}
