using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;

namespace AspireP2P.Hosting;

/// <summary>
/// The latest snapshot of every resource, by resource: the live view, the spares and Heal all ask whether a node is
/// running. (Aspire keys its own current state by instance id, which the model does not expose.)
/// </summary>
internal sealed class ResourceStates(ResourceNotificationService notifications) : BackgroundService
{
    private readonly ConcurrentDictionary<IResource, CustomResourceSnapshot> _latest = new();

    public CustomResourceSnapshot? Of(IResource resource) => _latest.TryGetValue(resource, out var snapshot) ? snapshot : null;

    public bool IsRunning(IResource resource) => Of(resource)?.State?.Text == KnownResourceStates.Running;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken).ConfigureAwait(false))
            {
                _latest[update.Resource] = update.Snapshot;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
