using AspireP2P.Node.Peers;
using AspireP2P.Node.Protocol;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// Joins the peers named by <c>--peers</c> once the server listens (the peer manager keeps re-dialing them),
/// and closes the links this node dialed as soon as it starts stopping, so its peers notice at once.
/// (Links peers opened to us end by themselves then: each inbound session also watches ApplicationStopping.)
/// </summary>
internal sealed class BootstrapPeersService(
    IOptions<NodeOptions> options, PeerManager peers, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var closeOnStop = lifetime.ApplicationStopping.Register(() => _ = peers.DisconnectAllAsync());

        // Our own address (sent in HANDSHAKE) is only known once the server has bound its port.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task.ConfigureAwait(false);
        }

        foreach (var peer in options.Value.PeerList)
        {
            if (PeerAddress.TryParse(peer, out var address, out _))
            {
                peers.Maintain(address, PeerOrigin.Bootstrap);
            }
        }

        await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
    }
}

/// <summary>A node is healthy once every bootstrap peer is connected: "healthy" means "joined the network".</summary>
internal sealed class MeshHealthCheck(IOptions<NodeOptions> options, PeerManager peers) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var missing = options.Value.PeerList
            .Select(p => PeerAddress.TryParse(p, out var a, out _) ? a : (PeerAddress?)null)
            .Where(a => a is { } address && !peers.IsConnected(address))
            .Select(a => a!.Value.ToString())
            .ToList();
        return Task.FromResult(missing.Count == 0
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy($"{peers.ConnectedCount} peers connected")
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Degraded($"still dialing bootstrap peers: {string.Join(", ", missing)}"));
    }
}
