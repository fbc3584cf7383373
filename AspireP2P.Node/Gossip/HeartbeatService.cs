using AspireP2P.Node.Hosting;
using AspireP2P.Node.Peers;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Gossip;

/// <summary>
/// Every heartbeat interval: tell each of our peers we are alive (with our digest, the link's backlog and our
/// peers' addresses), take peers that went silent for the heartbeat timeout for dead (closing their links so
/// they are re-dialed with back-off), and let peer exchange dial towards the target number of peers.
/// Timed by <see cref="TimeProvider"/>, so tests drive it with a fake clock.
/// </summary>
internal sealed class HeartbeatService(
    PeerManager peers, InboundSessions inbound, RecordStore store, NodeIdentity identity, NodeTelemetry telemetry,
    TimeProvider time, IOptions<NodeOptions> options, ILogger<HeartbeatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Beat();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    internal void Beat()
    {
        var links = peers.ConnectedLinks();
        var digest = store.Digest;
        foreach (var link in links.Where(l => l.SpeaksExtensions))
        {
            var others = links.Where(l => l != link).Select(l => l.Address);
            link.SendControl(MessageCodec.EncodeHeartbeat(identity.NodeId, digest, link.Lag, others));
        }

        var timeout = options.Value.HeartbeatTimeout;
        var now = time.GetUtcNow();
        foreach (var silent in inbound.Silent(now, timeout))
        {
            Log.PeerSilent(logger, silent.Address?.ToString() ?? silent.Remote, (long)(now - silent.LastSeen).TotalMilliseconds, (long)timeout.TotalMilliseconds);
            telemetry.PeerTimedOut();
            silent.Close();
            if (silent.NodeId is { } nodeId)
            {
                peers.DropLinkTo(nodeId);
            }
        }

        peers.MaintainMesh();
    }
}
