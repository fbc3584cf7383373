using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// Starts the node's core once the server listens (its address, sent to peers, is known only then) and joins the peers
/// named by <c>--peers</c>; on stop, closes every link at once (peers notice immediately), makes the record log durable
/// and marks the feed cleanly stopped. When a part of the node cannot recover (<see cref="Supervision.NodeFailure"/>) it
/// stops the host: the process then exits with <see cref="Supervision.NodeFailure.ExitCode"/> (Program.cs).
/// </summary>
internal sealed class NodeHostedService(NodeCore core, IOptions<NodeOptions> options, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<NodeHostedService> logger)
    : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var bootstrap = options.Value.PeerList.Select(p => PeerAddress.TryParse(p, out var address, out _) ? address : (PeerAddress?)null)
            .Where(a => a is not null).Select(a => a!.Value).ToList();
        core.Failure.OnFailed(_ => lifetime.StopApplication());
        core.Start(bootstrap);
        MemoryTrimmer.Start(core.Context.Supervisor, time);
        Log.NodeStarted(logger, core.Local.Label, core.Local.Id.ToString(), core.Local.Address.ToString(), core.Store.Count, core.Context.Feed.ResumedAfterCrash);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => core.Mesh.StopAsync();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await core.DisposeAsync();
}

/// <summary>
/// "Healthy" means "joined the network and able to keep records": Degraded while a peer named at start is not linked (and
/// not merely full while this node is linked elsewhere) or records cannot reach this node (with which and since when);
/// Unhealthy once a part of it failed for good (it is then stopping), while its record log cannot write, or while its
/// signer cannot publish. The reasons never carry file paths.
/// </summary>
internal sealed class MeshHealthCheck(NodeCore core) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = NodeHealth.Of(core);
        return Task.FromResult(health.Status switch
        {
            NodeHealth.Unhealthy => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy(health.Reason),
            NodeHealth.Degraded => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Degraded(health.Reason),
            _ => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy(health.Reason),
        });
    }
}
