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

    /// <summary>Stable identity of this node; a random 64-bit id when not set.</summary>
    public string? NodeId { get; set; }

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

    /// <summary>Most recent records whose encoded NEW_RECORD is kept for links to share; older ones are re-encoded by the link that needs them.</summary>
    [Range(0, 1_000_000)]
    public int FrameCacheRecords { get; set; } = 8192;

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

        if (options.ConnectTimeout <= TimeSpan.Zero || options.ReconnectMinDelay <= TimeSpan.Zero || options.ReconnectMaxDelay < options.ReconnectMinDelay)
        {
            failures.Add("P2P:ConnectTimeout and P2P:ReconnectMinDelay must be positive, and P2P:ReconnectMaxDelay at least P2P:ReconnectMinDelay.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The <see cref="NodeOptions"/> data annotations ([Required], [Range]), checked by generated code instead of reflection.</summary>
[OptionsValidator]
internal sealed partial class NodeOptionsAnnotationsValidator : IValidateOptions<NodeOptions>;
