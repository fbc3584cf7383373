using System.Collections.Immutable;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Hosting;

/// <summary>
/// The dashboard's live view, in rounds. Once per interval a round asks every node's reader to read its node now
/// (<c>GET /api/node</c> and <c>GET /api/peers</c>); each reader publishes what its node said at once (its links as its
/// relationships, its numbers as properties, its health with the reason), and the network's convergence is worked out
/// from that round's reads alone, taken at about the same moment, once all are in (a node that hangs is "not answering"
/// after the read's deadline and delays nobody's row). A verdict is published only if nothing the AppHost did changed the
/// records since the round began (a burst makes the network "Checking" until a round that started after it).
/// Every loop runs under <see cref="LoopSupervisor"/>: an unexpected failure is logged at Error, counted, shown in the
/// dashboard (the node's row says it is not current, the <c>network</c> row counts it) and the loop restarts.
/// </summary>
internal sealed partial class NetworkMonitor : BackgroundService
{
    /// <summary>How long a round waits for its reads beyond the read's own deadline (their publishing).</summary>
    private static readonly TimeSpan RoundGrace = TimeSpan.FromSeconds(1);

    private readonly NetworkNodes _nodes;
    private readonly P2PNetworkResource _network;
    private readonly INodeStatusReader _reader;
    private readonly ResourceStates _states;
    private readonly ResourceNotificationService _notifications;
    private readonly ResourceLoggerService _resourceLogs;
    private readonly NodeConsoles _consoles;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<NodeWatch> _watches;
    private readonly SemaphoreSlim _reported = new(0);
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private long _round;
    private long _invalidatedRound;
    private Convergence? _convergence;
    private DateTimeOffset? _checkedAt;
    private string? _lastChange;

    public NetworkMonitor(
        NetworkNodes nodes,
        P2PNetworkResource network,
        INodeStatusReader reader,
        ResourceStates states,
        ResourceNotificationService notifications,
        ResourceLoggerService resourceLogs,
        NodeConsoles consoles,
        TimeSpan interval,
        TimeProvider time,
        ILogger<NetworkMonitor> logger)
    {
        (_nodes, _network, _reader, _states, _notifications, _resourceLogs, _consoles, _interval, _time, _logger) =
            (nodes, network, reader, states, notifications, resourceLogs, consoles, interval, time, logger);
        Supervisor = new LoopSupervisor(time, logger);
        _watches = [.. nodes.All.Select(node => new NodeWatch(this, node))];
    }

    /// <summary>Restarts the live view's loops after a failure, and counts the failures.</summary>
    public LoopSupervisor Supervisor { get; }

    /// <summary>A node that takes longer than this to answer is reported as not answering.</summary>
    private TimeSpan ReadTimeout => _interval > TimeSpan.FromSeconds(2) ? _interval : TimeSpan.FromSeconds(2);

    /// <summary>
    /// The AppHost is changing the records (a burst): the network is "Checking" from now until a round that started
    /// after this call has read every node.
    /// </summary>
    public async Task RecordsChangingAsync(string why)
    {
        await _publishing.WaitAsync().ConfigureAwait(false);
        try
        {
            // Rounds are numbered: one that began before this call (whatever the clock says) gives no verdict.
            Interlocked.Exchange(ref _invalidatedRound, Interlocked.Read(ref _round));
            var last = _convergence ?? Convergence.Unknown(Convergence.Checking);
            await PublishLockedAsync(last with { State = Convergence.Checking, Laggards = [], Why = $"{why}; waiting for a fresh read of every node" }).ConfigureAwait(false);
        }
        finally
        {
            _publishing.Release();
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _interval <= TimeSpan.Zero ? Task.CompletedTask : Task.WhenAll(
        [
            .. _watches.Select(watch => Supervisor.RunAsync($"live view of {watch.Node.Name}", watch.RunAsync, watch.ShowFaultAsync, stoppingToken)),
            .. _nodes.All.Select(node => Supervisor.RunAsync($"console watch of {node.Name}", c => _consoles.WatchAsync(node, c), ShowFaultAsync, stoppingToken)),
            Supervisor.RunAsync("live view's rounds", RunRoundsAsync, ShowFaultAsync, stoppingToken),
        ]);

    /// <summary>One round per interval: every reader reads now, the verdict comes from what they read.</summary>
    private async Task RunRoundsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        do
        {
            // Reports of earlier rounds that nobody waited for: the count starts from this round's.
            while (_reported.Wait(0, CancellationToken.None))
            {
            }

            var round = new Round(Interlocked.Increment(ref _round), _time.GetUtcNow());
            foreach (var watch in _watches)
            {
                watch.Request(round);
            }

            var samples = await CollectAsync(round, cancellationToken).ConfigureAwait(false);
            await _publishing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Records the AppHost changed while this round read make its verdict stale: the next round tells.
                if (round.Number > Interlocked.Read(ref _invalidatedRound))
                {
                    _checkedAt = round.StartedAt;
                    await PublishLockedAsync(Convergence.Evaluate(samples)).ConfigureAwait(false);
                }
            }
            finally
            {
                _publishing.Release();
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Waits until every reader reported for this round, at most the read's deadline and a grace.</summary>
    private async Task<List<NodeSample>> CollectAsync(Round round, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(ReadTimeout + RoundGrace, _time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        while (!_watches.All(w => w.HasReported(round)))
        {
            try
            {
                await _reported.WaitAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        return [.. _watches.Select(w => w.SampleFor(round))];
    }

    private async Task PublishLockedAsync(Convergence convergence)
    {
        _convergence = convergence;
        var faults = Supervisor.Faults == 0 ? null : $"{Supervisor.Faults}; last: {Supervisor.LastFault}";
        await _notifications.PublishUpdateAsync(_network, s => NetworkResource.Show(s, convergence, _checkedAt, faults)).ConfigureAwait(false);

        // The console logs each change of state or of who lags why, not every change of how far behind.
        var change = $"{convergence.State} {convergence.Why} {string.Join(",", convergence.Laggards.Select(l => $"{l.Name}:{l.Kind}:{l.Why.Split(',')[0]}"))}";
        if (change != _lastChange)
        {
            _lastChange = change;
            var networkLog = _resourceLogs.GetLogger(_network);
            LogConvergence(networkLog, convergence.Summary);
        }
    }

    /// <summary>A loop's failure, on the <c>network</c> row (its count and the last one) and in its console.</summary>
    private async Task ShowFaultAsync(LoopFault fault)
    {
        var networkLog = _resourceLogs.GetLogger(_network);
        LogLiveViewFault(networkLog, fault.ToString());
        await _publishing.WaitAsync().ConfigureAwait(false);
        try
        {
            await PublishLockedAsync(_convergence ?? Convergence.Unknown(Convergence.Checking)).ConfigureAwait(false);
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>A round: its number and when it began.</summary>
    private sealed record Round(long Number, DateTimeOffset StartedAt);

    /// <summary>One node's reader: reads its node when a round asks, publishes its row, reports the sample.</summary>
    private sealed class NodeWatch(NetworkMonitor monitor, NetworkNode node)
    {
        private readonly Channel<Round> _rounds = Channel.CreateBounded<Round>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        private Reported? _latest;
        private ImmutableArray<RelationshipSnapshot>? _shownLinks;
        private bool _showsLiveState;
        private string? _shownStopReason;
        private bool _answered;
        private (HealthStatus? Status, string? Reason, DateTimeOffset Since)? _health;

        public NetworkNode Node => node;

        public void Request(Round round) => _rounds.Writer.TryWrite(round);

        public bool HasReported(Round round) => Volatile.Read(ref _latest) is { } latest && latest.Round >= round.Number;

        private sealed record Reported(long Round, NodeSample Sample);

        /// <summary>This round's sample; a running node that was not read this round is not fresh.</summary>
        public NodeSample SampleFor(Round round) => Volatile.Read(ref _latest) switch
        {
            { } latest when latest.Round >= round.Number => latest.Sample,
            { } stale => stale.Sample with { Fresh = !stale.Sample.Running, Status = stale.Sample.Running ? null : stale.Sample.Status },
            null => new NodeSample(node.Name, monitor._states.Of(node.Resource)?.State?.Text, null) { Spare = node.Spare, Fresh = false },
        };

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            await foreach (var round in _rounds.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var sample = await ReadAndShowAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _latest, new Reported(round.Number, sample));
                monitor._reported.Release();
            }
        }

        /// <summary>Its reader failed: its row shows no live state it cannot vouch for, and says why.</summary>
        public async Task ShowFaultAsync(LoopFault fault)
        {
            await monitor.ShowFaultAsync(fault).ConfigureAwait(false);
            _shownLinks = null;
            _health = null;
            _showsLiveState = true;
            await LiveTopology.ShowAsync(node, [], monitor._nodes, monitor._notifications).ConfigureAwait(false);
            var report = NodeStateProperties.HealthReport(
                null, $"Unknown: the live view could not read this node ({fault.Error.GetType().Name}: {fault.Error.Message}); it retries in {fault.RestartIn.TotalSeconds:0.#} s", fault.At);
            await monitor._notifications.PublishUpdateAsync(node.Resource, s => NodeStateProperties.NotAnswering(s, report)).ConfigureAwait(false);
        }

        private async Task<NodeSample> ReadAndShowAsync(CancellationToken cancellationToken)
        {
            var snapshot = monitor._states.Of(node.Resource);
            var state = snapshot?.State?.Text;
            if (state != KnownResourceStates.Running || node.Url is not { } url)
            {
                return await ShowNotRunningAsync(snapshot, state).ConfigureAwait(false);
            }

            var (status, error) = await ReadAsync(url, cancellationToken).ConfigureAwait(false);
            _answered |= status is not null;
            _showsLiveState = true;
            _shownStopReason = null;
            var sample = new NodeSample(node.Name, state, status) { Spare = node.Spare, Answered = _answered };
            var links = LiveTopology.LinksOf(node, status, monitor._nodes);
            if (_shownLinks is not { } shown || !shown.SequenceEqual(links))
            {
                _shownLinks = links;
                await LiveTopology.ShowAsync(node, links, monitor._nodes, monitor._notifications).ConfigureAwait(false);
            }

            if (status is not null)
            {
                var health = HealthReport(status.Health.Status, status.Health.Reason, status.Health.Since, $"linked to {Convergence.Plural(status.Peers, "peer")}");
                var behind = monitor._convergence?.BehindOf(sample) ?? 0;
                await monitor._notifications.PublishUpdateAsync(node.Resource, s => NodeStateProperties.Show(s, status, behind, links, health)).ConfigureAwait(false);
            }
            else
            {
                // A node that has not answered since it started is starting, not failing: its health is not known yet.
                var health = _answered
                    ? HealthReport(HealthStatus.Unhealthy, error, null, error!)
                    : HealthReport(null, $"starting: {error}", null, error!);
                await monitor._notifications.PublishUpdateAsync(node.Resource, s => NodeStateProperties.NotAnswering(s, health)).ConfigureAwait(false);
            }

            return sample;
        }

        /// <summary>A node that is not running shows no live state (its links, numbers and health report are gone) and, once down, why.</summary>
        private async Task<NodeSample> ShowNotRunningAsync(CustomResourceSnapshot? snapshot, string? state)
        {
            _answered = false;
            _health = null;
            var sample = new NodeSample(node.Name, state, null) { Spare = node.Spare, ExitCode = snapshot?.ExitCode };
            if (sample.Down)
            {
                sample = sample with { StopReason = monitor._consoles.StopReason(node.Name, snapshot?.StartTimeStamp) };
            }

            if (_showsLiveState || _shownLinks is not null)
            {
                _showsLiveState = false;
                _shownLinks = null;
                await LiveTopology.ShowAsync(node, [], monitor._nodes, monitor._notifications).ConfigureAwait(false);
                await monitor._notifications.PublishUpdateAsync(node.Resource, NodeStateProperties.Clear).ConfigureAwait(false);
            }

            if (sample.Down && sample.StopReason != _shownStopReason)
            {
                _shownStopReason = sample.StopReason;
                await monitor._notifications.PublishUpdateAsync(node.Resource, s => NodeStateProperties.Stopped(s, sample.StopReason)).ConfigureAwait(false);
            }

            return sample;
        }

        private async Task<(NodeStatus? Status, string? Error)> ReadAsync(Uri url, CancellationToken cancellationToken)
        {
            using var timeout = new CancellationTokenSource(monitor.ReadTimeout, monitor._time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                return (await monitor._reader.ReadAsync(url, linked.Token).ConfigureAwait(false), null);
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
        private HealthReportSnapshot HealthReport(HealthStatus? status, string? reason, DateTimeOffset? nodeSince, string healthyDescription)
        {
            if (_health is not { } seen || seen.Status != status || seen.Reason != reason)
            {
                _health = seen = (status, reason, nodeSince ?? monitor._time.GetUtcNow());
            }

            var since = nodeSince ?? seen.Since;
            var description = status switch
            {
                HealthStatus.Healthy => healthyDescription,
                null => $"{reason} (since {since.ToLocalTime():HH:mm:ss})",
                _ => $"{status}: {reason ?? "no reason given"} (since {since.ToLocalTime():HH:mm:ss})",
            };
            return NodeStateProperties.HealthReport(status, description, since);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Convergence}")]
    private static partial void LogConvergence(ILogger logger, string convergence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Live view error: {Fault}")]
    private static partial void LogLiveViewFault(ILogger logger, string fault);
}
