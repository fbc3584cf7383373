using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Hosting;

/// <summary>
/// <c>--launch Auto</c> with a stale Native AOT node: waits until every node resource is healthy (a publish would slow
/// their start), then publishes the node with Native AOT at low priority, so the next start runs it. Stopping the
/// AppHost stops the publish; the next start then finds the node still stale and tries again.
/// </summary>
internal sealed partial class NativeAotRefresh(
    string projectDirectory, string jitBinary, DistributedApplicationModel model, ResourceNotificationService notifications,
    IHostApplicationLifetime lifetime, ILogger<NativeAotRefresh> logger)
    : BackgroundService
{
    /// <summary>Quiet time after the last node became healthy, so the publish does not compete with the network's first seconds.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WaitUntilStartedAsync(stoppingToken).ConfigureAwait(false);
            await WaitForHealthyNodesAsync(stoppingToken).ConfigureAwait(false);
            await Task.Delay(Settle, stoppingToken).ConfigureAwait(false);
            LogPublishing(logger);
            var clock = Stopwatch.StartNew();
            var binary = await NativeAotNode.PublishAsync(projectDirectory, jitBinary, lowPriority: true, stoppingToken).ConfigureAwait(false);
            LogPublished(logger, clock.Elapsed.TotalSeconds, binary);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost stopped first.
        }
        catch (Exception ex)
        {
            // Whatever went wrong (a failed publish, a disk error, a file another process holds), the JIT nodes run on:
            // a background convenience must never stop the AppHost. Say why the next start will not be faster.
            LogFailed(logger, ex);
        }
    }

    private Task WaitUntilStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }

    /// <summary>Until every resource that runs the node binary is healthy, or 5 minutes (a node that never links should not block the publish).</summary>
    private async Task WaitForHealthyNodesAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        // The nodes that start with the AppHost (spares start only when asked).
        var nodes = model.Resources.OfType<ExecutableResource>()
            .Where(r => r.Command == jitBinary && !r.TryGetAnnotationsOfType<ExplicitStartupAnnotation>(out _))
            .Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        try
        {
            var healthy = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var e in notifications.WatchAsync(timeout.Token).ConfigureAwait(false))
            {
                if (nodes.Contains(e.Resource.Name) && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
                {
                    healthy.Add(e.Resource.Name);
                    if (healthy.Count == nodes.Count)
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Not every node became healthy in 5 minutes: publish anyway.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Every node is healthy: publishing the node with Native AOT in the background (low priority), for the next start.")]
    private static partial void LogPublishing(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Native AOT node published in {Seconds:0} s ({Binary}); the next start runs it.")]
    private static partial void LogPublished(ILogger logger, double seconds, string binary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The background Native AOT publish failed; the next start runs the JIT build again.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
