using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// Starts the node's core once the server listens (its address, sent to peers, is known only then) and joins the peers
/// named by <c>--peers</c>; on stop, closes every link at once (peers notice immediately), makes the record log durable
/// and marks the feed cleanly stopped.
/// </summary>
internal sealed class NodeHostedService(NodeCore core, IOptions<NodeOptions> options, ILogger<NodeHostedService> logger)
    : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var bootstrap = options.Value.PeerList.Select(p => PeerAddress.TryParse(p, out var address, out _) ? address : (PeerAddress?)null)
            .Where(a => a is not null).Select(a => a!.Value).ToList();
        core.Start(bootstrap);
        Log.NodeStarted(logger, core.Local.Label, core.Local.Id.ToString(), core.Local.Address.ToString(), core.Store.Count, core.Context.Feed.ResumedAfterCrash);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => core.Mesh.DisposeAsync().AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await core.DisposeAsync();
}

/// <summary>
/// "Healthy" means "joined the network and able to keep records": Degraded while a peer named at start is not linked (and
/// not merely full while this node is linked elsewhere) or records cannot reach this node (with which and since when);
/// Unhealthy once its record log has failed.
/// </summary>
internal sealed class MeshHealthCheck(NodeCore core) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (core.Store.Failure is { } failure)
        {
            return Task.FromResult(Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy($"the record log failed: {failure.Message}"));
        }

        var health = core.Mesh.Snapshot.Health;
        var links = core.Context.Links.Count;
        return Task.FromResult(health.Degraded
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Degraded($"{health.Reason} (since {health.Since:HH:mm:ss})")
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy($"{links} link{(links == 1 ? "" : "s")} open"));
    }
}
