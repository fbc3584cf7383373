using System.ComponentModel.DataAnnotations;
using AspireP2P.Node.Protocol;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// Everything a node can be told, bound from the <c>P2P</c> configuration section. The tutorial's flags
/// (<c>--host</c>, <c>--port</c>, <c>--peers</c>) map onto it, and so does the environment (<c>P2P__Port=4040</c>).
/// </summary>
public sealed class NodeOptions
{
    public const string SectionName = "P2P";

    /// <summary>Interface the node listens on (the tutorial's <c>--host</c>).</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port for HTTP and WebSocket (the tutorial's <c>--port</c>); 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 3030;

    /// <summary>Comma-separated peers to join at start-up: <c>host:port</c>, <c>http://</c>, <c>ws://</c> (or https/wss).</summary>
    public string? Peers { get; set; }

    /// <summary>
    /// The address other nodes must dial to reach this one, sent in HANDSHAKE. Defaults to the address the node
    /// listens on. Behind a proxy (the Aspire AppHost) it is the proxy's address, not the process's own port.
    /// </summary>
    public string? PublicAddress { get; set; }

    /// <summary>
    /// A display name for people (<c>--name node-2</c>; <c>--node-id</c> is accepted too). The node's id is derived from its
    /// key and cannot be chosen: a name can be, and shows in peers' tables, logs and the dashboard.
    /// </summary>
    [StringLength(64)] // not MaxLength, whose reflection a Native AOT node (--launch NativeAot) cannot keep
    public string? Name { get; set; }

    /// <summary>
    /// The network's shared secret(s) (<c>--network-key k1[,k2]</c>): when set, only nodes that prove they hold one link with
    /// this node, both ways. Several keys for rotation; the first is used. Never logged, never sent.
    /// </summary>
    public string? NetworkKey { get; set; }

    /// <summary>Strict mode (<c>--require-signatures true</c>): refuse unsigned records (the tutorial's nodes cannot sign).</summary>
    public bool RequireSignatures { get; set; }

    /// <summary>Maps the development-only fault endpoints (<c>/api/dev/*</c>: partition, link faults, heal). Off: they do not exist.</summary>
    public bool DevFaults { get; set; }

    /// <summary>Largest record value accepted, in bytes of its JSON text, over HTTP and over the wire.</summary>
    [Range(16, 16 * 1024 * 1024)]
    public int MaxRecordBytes { get; set; } = 64 * 1024;

    /// <summary>Largest WebSocket message accepted; bigger ones are discarded unread, counted and logged.</summary>
    [Range(1024, 32 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 80 * 1024;

    /// <summary>
    /// Control messages (heartbeats) waiting for one peer; when full the oldest is dropped, counted and logged.
    /// Records never queue per peer: each link replicates from a cursor into the record log, so nothing is dropped.
    /// </summary>
    [Range(1, 100_000)]
    public int ControlQueueCapacity { get; set; } = 64;

    /// <summary>
    /// Bytes of recent records kept in memory (entries with their encoded NEW_RECORD, shared by every link); older ones
    /// are read from disk. The same bound caps records waiting for the disk (a link stops reading until the disk catches
    /// up) and records waiting to be signed (POST /record answers 503 beyond it).
    /// </summary>
    [Range(1L << 20, 1L << 32)]
    public long TailBytes { get; set; } = 16L << 20;

    /// <summary>
    /// How long an API call that waits (POST /record until the record is durable, POST /peer until the link is up or has
    /// failed) may wait before it answers 503 (<c>P2P:RequestTimeout</c>). A record that answered 503 was not acknowledged;
    /// it may still be stored and relayed.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Links with strangers (nodes that have not proven in our handshake that they are ours: the tutorial's nodes, which
    /// keep two links each) have their own budget beside <see cref="MaxPeers"/>, so strangers never take our peers' slots.
    /// </summary>
    [Range(0, 256)]
    public int MaxStrangerLinks { get; set; } = 8;

    /// <summary>
    /// Feeds this node has never seen that one link may bring per second (a burst of ten times as many is allowed): a peer
    /// that invents feeds faster is refused them (counted, <c>rate_limited</c>) and offers them again later. Bounds what
    /// one stranger can make every node remember.
    /// </summary>
    [Range(1, 1_000_000)]
    public int NewOriginsPerSecond { get; set; } = 100;

    /// <summary>Records a link may have in flight (sent, not yet acknowledged by the peer's heartbeat): the link's flow control.</summary>
    [Range(256, 10_000_000)]
    public int MaxInFlight { get; set; } = 65_536;

    /// <summary>While the peer's digest differs from ours, vectors are compared at most this often on a link.</summary>
    public TimeSpan AntiEntropyInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Vectors are compared on every link at least this often, whatever the digests say.</summary>
    public TimeSpan FullSyncInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Re-dials and peer-exchange dials this node starts per second at most.</summary>
    [Range(1, 1000)]
    public int DialsPerSecond { get; set; } = 10;

    /// <summary>
    /// Networks (CIDR) or host names, comma-separated, that peer exchange may dial besides the defaults (loopback,
    /// private and link-local networks, and the hosts in <see cref="Peers"/>); <c>*</c> allows any address.
    /// </summary>
    public string? DialAllow { get; set; }

    /// <summary>Between heartbeats on links to our nodes (liveness, digest, peer exchange).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A peer that sent nothing for this long is taken for dead: its links are closed and re-dialed.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Peer exchange: dial peers learned from others until this many are known (0 = off, the tutorial's topology).</summary>
    [Range(0, 64)]
    public int TargetPeers { get; set; }

    /// <summary>Hard cap on peers this node dials or dials back.</summary>
    [Range(1, 256)]
    public int MaxPeers { get; set; } = 16;

    /// <summary>Keep records on disk in this directory and reload them on restart (off: in memory, as the tutorial).</summary>
    public string? DataDir { get; set; }

    /// <summary>With <see cref="DataDir"/>: fsync each batch, surviving power loss too (a process crash is survived without it).</summary>
    public bool Fsync { get; set; }

    /// <summary>How long a dial (TCP connect and WebSocket upgrade) may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First delay before re-dialing a peer that could not be reached or whose link dropped.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Cap of the exponential re-dial delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The Aspire dashboard's address (e.g. <c>http://localhost:18888</c>), set by the AppHost. When set, the node's
    /// web page links each record to its trace at <c>{DashboardUrl}/traces/detail/{traceId}</c>.
    /// </summary>
    public string? DashboardUrl { get; set; }

    public IReadOnlyList<string> PeerList =>
        string.IsNullOrWhiteSpace(Peers) ? [] : Peers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IReadOnlyList<string> DialAllowList =>
        string.IsNullOrWhiteSpace(DialAllow) ? [] : DialAllow.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Checks what data annotations cannot: peer addresses, the public address and how the caps relate.</summary>
internal sealed class NodeOptionsValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        var failures = new List<string>();
        foreach (var peer in options.PeerList)
        {
            if (!PeerAddress.TryParse(peer, out _, out var error))
            {
                failures.Add($"P2P:Peers entry '{peer}' is not a peer address: {error}");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.PublicAddress) && !PeerAddress.TryParse(options.PublicAddress, out _, out var publicError))
        {
            failures.Add($"P2P:PublicAddress '{options.PublicAddress}' is not an address: {publicError}");
        }

        if (!string.IsNullOrWhiteSpace(options.DashboardUrl)
            && !(Uri.TryCreate(options.DashboardUrl, UriKind.Absolute, out var dashboard) && dashboard.Scheme is "http" or "https"))
        {
            failures.Add($"P2P:DashboardUrl '{options.DashboardUrl}' is not an absolute http or https URL.");
        }

        if (options.MaxFrameBytes < options.MaxRecordBytes + 1024)
        {
            failures.Add($"P2P:MaxFrameBytes ({options.MaxFrameBytes}) must exceed P2P:MaxRecordBytes ({options.MaxRecordBytes}) by at least 1024 bytes of envelope.");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.HeartbeatTimeout < options.HeartbeatInterval * 2)
        {
            failures.Add("P2P:HeartbeatInterval must be positive and P2P:HeartbeatTimeout at least twice as long.");
        }

        if (options.TargetPeers > options.MaxPeers)
        {
            failures.Add($"P2P:TargetPeers ({options.TargetPeers}) cannot exceed P2P:MaxPeers ({options.MaxPeers}).");
        }

        if (options.AntiEntropyInterval <= TimeSpan.Zero || options.FullSyncInterval < options.AntiEntropyInterval)
        {
            failures.Add("P2P:AntiEntropyInterval must be positive and P2P:FullSyncInterval at least as long.");
        }

        if (options.NetworkKey is { } key && key.Split(',', StringSplitOptions.TrimEntries).Any(k => k.Length < 8))
        {
            failures.Add("P2P:NetworkKey: every key must be at least 8 characters (a shared secret; generate one, e.g. `openssl rand -base64 24`).");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.ReconnectMinDelay <= TimeSpan.Zero || options.ReconnectMaxDelay < options.ReconnectMinDelay)
        {
            failures.Add("P2P:ConnectTimeout and P2P:ReconnectMinDelay must be positive, and P2P:ReconnectMaxDelay at least P2P:ReconnectMinDelay.");
        }

        if (options.RequestTimeout < options.ConnectTimeout + TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"P2P:RequestTimeout ({options.RequestTimeout}) must exceed P2P:ConnectTimeout ({options.ConnectTimeout}) by at least a second (POST /peer waits for a dial), and be at most 10 minutes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The <see cref="NodeOptions"/> data annotations ([Required], [Range]), checked by generated code instead of reflection.</summary>
[OptionsValidator]
internal sealed partial class NodeOptionsAnnotationsValidator : IValidateOptions<NodeOptions>;
