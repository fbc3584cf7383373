using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireP2P.AppHost;

/// <summary>
/// The dashboard's live view. Each running node is read once per interval (<c>GET /api/node</c> and <c>GET /api/peers</c>)
/// in its own loop, and what it says is published at once: its links as its relationships (the Graph), its numbers as
/// properties, its health with the reason. A node that hangs (a crashed node's proxy port still accepts connections)
/// delays nobody else. Once per interval the network's convergence is worked out from the latest reads.
/// Polling costs a constant two small requests per node and interval however busy the network is, and reads the digest
/// and health that the node's event stream does not carry.
/// </summary>
internal sealed partial class NetworkMonitor(
    NetworkNodes nodes,
    NetworkResource network,
    NodeStatusReader reader,
    ResourceStates states,
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLogs,
    TimeSpan interval,
    TimeProvider time,
    ILogger<NetworkMonitor> logger) : BackgroundService
{
    private readonly NetworkNodes _nodes = nodes;
    private readonly NodeStatusReader _reader = reader;
    private readonly ResourceStates _states = states;
    private readonly ResourceNotificationService _notifications = notifications;
    private readonly TimeSpan _interval = interval;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;
    private readonly ConcurrentDictionary<string, NodeSample> _samples = new(StringComparer.Ordinal);
    private Convergence? _convergence;
    private string? _lastConvergence;

    /// <summary>A node that takes longer than this to answer is reported as not answering.</summary>
    private TimeSpan ReadTimeout => _interval > TimeSpan.FromSeconds(2) ? _interval : TimeSpan.FromSeconds(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_nodes.All.Select(node => new NodeWatch(this, node).RunAsync(stoppingToken)).Append(WatchConvergenceAsync(stoppingToken)));

    private async Task WatchConvergenceAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                // The resource state is fresher than the last read: a node that just stopped counts as down at once.
                var convergence = _convergence = Convergence.Evaluate(
                [
                    .. _nodes.All.Select(node => _states.Of(node.Resource)?.State?.Text is var state && _samples.TryGetValue(node.Name, out var sample) && sample.State == state
                        ? sample
                        : new NodeSample(node.Name, state, null)),
                ]);
                await _notifications.PublishUpdateAsync(network, s => NetworkResource.Show(s, convergence)).ConfigureAwait(false);

                // The console logs each change of state or of who lags why, not every change of how far behind.
                var change = $"{convergence.State} {string.Join(",", convergence.Laggards.Select(l => $"{l.Name}:{l.Kind}"))}";
                if (change != _lastConvergence)
                {
                    _lastConvergence = change;
                    var networkLog = resourceLogs.GetLogger(network);
                    LogConvergence(networkLog, convergence.Summary);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One node's loop: read it while it runs, publish what it said, clear its live state when it stops.</summary>
    private sealed class NodeWatch(NetworkMonitor monitor, NetworkNode node)
    {
        private ImmutableArray<RelationshipSnapshot>? _shownLinks;
        private (HealthStatus Status, string? Reason, DateTimeOffset Since)? _health;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            using var timer = new PeriodicTimer(monitor._interval, monitor._time);
            try
            {
                while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    try
                    {
                        await TickAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogPublishFailed(monitor._logger, node.Name, ex);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }

        private async Task TickAsync(CancellationToken cancellationToken)
        {
            var state = monitor._states.Of(node.Resource)?.State?.Text;
            if (state != KnownResourceStates.Running || node.Url is not { } url)
            {
                monitor._samples[node.Name] = new NodeSample(node.Name, state, null);
                if (_shownLinks is not null)
                {
                    // Once: a node that is not running has no links and shows no live state.
                    _shownLinks = null;
                    _health = null;
                    await LiveTopology.ShowAsync(node, [], monitor._nodes, monitor._notifications).ConfigureAwait(false);
                    await monitor._notifications.PublishUpdateAsync(node.Resource, NodeStateProperties.Clear).ConfigureAwait(false);
                }

                return;
            }

            var (status, error) = await ReadAsync(url, cancellationToken).ConfigureAwait(false);
            var sample = new NodeSample(node.Name, state, status);
            monitor._samples[node.Name] = sample;
            var links = LiveTopology.LinksOf(node, status, monitor._nodes);
            if (_shownLinks is not { } shown || !shown.SequenceEqual(links))
            {
                _shownLinks = links;
                await LiveTopology.ShowAsync(node, links, monitor._nodes, monitor._notifications).ConfigureAwait(false);
            }

            if (status is not null)
            {
                var health = HealthReport(status.Health.Status, status.Health.Reason, status.Health.Since, $"linked to {status.Peers} peers");
                var behind = monitor._convergence?.BehindOf(sample) ?? 0;
                await monitor._notifications.PublishUpdateAsync(node.Resource, s => NodeStateProperties.Show(s, status, behind, links, health)).ConfigureAwait(false);
            }
            else
            {
                var health = HealthReport(HealthStatus.Unhealthy, error, null, error!);
                await monitor._notifications.PublishUpdateAsync(node.Resource, s => NodeStateProperties.NotAnswering(s, health)).ConfigureAwait(false);
            }
        }

        private async Task<(NodeStatus? Status, string? Error)> ReadAsync(Uri url, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(monitor.ReadTimeout);
            try
            {
                return (await monitor._reader.ReadAsync(url, timeout.Token).ConfigureAwait(false), null);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested
                && ex is HttpRequestException or OperationCanceledException or JsonException or InvalidDataException)
            {
                var why = ex is OperationCanceledException ? $"no answer within {monitor.ReadTimeout.TotalSeconds:0.#} s" : ex.Message;
                return (null, $"not answering GET /api/node: {why}");
            }
        }

        /// <summary>
        /// The report says why and since when: the node's own "since" when it gives one, else when the AppHost first saw
        /// this status and reason. Its time stays put while nothing changes, so an unchanged node publishes nothing new.
        /// </summary>
        private HealthReportSnapshot HealthReport(HealthStatus status, string? reason, DateTimeOffset? nodeSince, string healthyDescription)
        {
            if (_health is not { } seen || seen.Status != status || seen.Reason != reason)
            {
                _health = seen = (status, reason, nodeSince ?? monitor._time.GetUtcNow());
            }

            var since = nodeSince ?? seen.Since;
            var description = status == HealthStatus.Healthy
                ? healthyDescription
                : $"{status}: {reason ?? "no reason given"} (since {since.ToLocalTime():HH:mm:ss})";
            return NodeStateProperties.HealthReport(status, description, since);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Convergence}")]
    private static partial void LogConvergence(ILogger logger, string convergence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the live state of {Node}")]
    private static partial void LogPublishFailed(ILogger logger, string node, Exception exception);
}
