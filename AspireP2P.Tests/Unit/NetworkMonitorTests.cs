using Aspire.Hosting;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The dashboard's live view on a fake clock, with node reads a test controls: it never shows more than it knows (a
/// stopped node keeps no live health report, a burst makes the network "Checking" until every node was read again, a
/// node's own Degraded stays Degraded), says why a node stopped, and survives a reader that fails in ways it did not
/// expect (logged at Error, counted, shown, restarted).
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class NetworkMonitorTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ResourceLoggerService _logs = new();
    private readonly ResourceNotificationService _notifications;
    private readonly ResourceStates _states;
    private readonly NetworkNodes _nodes = new();
    private readonly P2PNetworkResource _network = new(ControlRoom.NetworkResourceName, new P2PNetworkOptions(), NodeSource.Packaged);
    private readonly FakeReader _reader = new();
    private readonly CapturingLogger<NetworkMonitor> _logger = new();
    private readonly CancellationTokenSource _stop = new();
    private NetworkMonitor? _monitor;

    public NetworkMonitorTests()
    {
        _notifications = new ResourceNotificationService(
            NullLogger<ResourceNotificationService>.Instance, new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance),
            new ServiceCollection().BuildServiceProvider(), _logs);
        _states = new ResourceStates(_notifications);
    }

    private NetworkMonitor Monitor => _monitor ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => await _states.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_monitor is not null)
        {
            await _monitor.StopAsync(CancellationToken.None).WaitAsync(Timeouts.Stop);
        }

        await _states.StopAsync(CancellationToken.None).WaitAsync(Timeouts.Stop);
        _stop.Dispose();
        _monitor?.Dispose();
        _states.Dispose();
    }

    [Fact]
    public async Task AReaderThatThrowsWhatItDidNotExpectIsLoggedCountedShownAndRestarted()
    {
        _reader.Answer("node-0", Healthy(3, "a", peers: 2));
        _reader.FailNext("node-0", new InvalidCastException("a bug in the reader"), times: 2);
        var node = (await StartAsync("node-0"))[0];

        // The row says its live state is not known, and why; the network row counts the failure.
        var unknown = await WaitForAsync("node-0", s => Report(s) is { Status: null } r && r.Description!.Contains("InvalidCastException", StringComparison.Ordinal),
            "node-0's row to say the live view could not read it");
        Assert.DoesNotContain(unknown.Properties, p => p.Name == NodeStateProperties.Records);
        await WaitForAsync(ControlRoom.NetworkResourceName, s => Property(s, NetworkResource.LiveViewErrors) is string e && e.StartsWith("1; last: live view of node-0", StringComparison.Ordinal),
            "the network row to count the failure");
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Error && e.Exception is InvalidCastException);

        // It restarts after 1 s, fails again, restarts after 2 s, then reads the node.
        var healthy = await WaitForAsync("node-0", s => Report(s) is { Status: HealthStatus.Healthy }, "node-0's row to be live again", advance: true);
        Assert.Equal("linked to 2 peers", Report(healthy)!.Description);
        Assert.Equal(2, Monitor.Supervisor.Faults);
        await WaitForAsync(ControlRoom.NetworkResourceName, s => s.State?.Text == Convergence.Converged, "the network to converge", advance: true);
        Assert.NotNull(node);
    }

    [Fact]
    public async Task AStoppedNodeKeepsNoLiveHealthReportNorNumbers()
    {
        _reader.Answer("node-0", Healthy(5, "a", peers: 2));
        var node = (await StartAsync("node-0"))[0];
        await WaitForAsync("node-0", s => Report(s)?.Description == "linked to 2 peers", "node-0 to be shown linked", advance: true);

        await _notifications.PublishUpdateAsync(node.Resource, s => s with { State = KnownResourceStates.Exited, ExitCode = 137 });

        var stopped = await WaitForAsync("node-0", s => Report(s) is null, "node-0's live health report to be gone", advance: true);
        Assert.DoesNotContain(stopped.Properties, p => p.Name.StartsWith("p2p.", StringComparison.Ordinal));
        Assert.Empty(stopped.Relationships);
    }

    [Fact]
    public async Task ANodeThatSaysItIsDegradedIsShownDegraded()
    {
        _reader.Answer("node-0", Healthy(5, "a", peers: 0) with { Health = new NodeHealth(HealthStatus.Degraded, "bootstrap peer localhost:3030 is not linked", null) });
        await StartAsync("node-0");

        var degraded = await WaitForAsync("node-0", s => Report(s) is { Status: HealthStatus.Degraded }, "node-0 to be shown Degraded", advance: true);

        Assert.StartsWith("Degraded: bootstrap peer localhost:3030 is not linked (since ", Report(degraded)!.Description, StringComparison.Ordinal);
        // The /health probe beside it says what the node says, not Unhealthy for any 503.
        Assert.Equal(HealthStatus.Degraded, NodeHealthCheck.Interpret(503, "Degraded").Status);
        Assert.Equal(HealthStatus.Unhealthy, NodeHealthCheck.Interpret(503, "Unhealthy").Status);
        Assert.Equal(HealthStatus.Healthy, NodeHealthCheck.Interpret(200, "Healthy").Status);
        Assert.Equal(HealthStatus.Unhealthy, NodeHealthCheck.Interpret(502, "Bad Gateway").Status);
    }

    [Fact]
    public async Task AfterABurstTheNetworkIsCheckingUntilARoundThatBeganAfterItReadEveryNode()
    {
        _reader.Answer("node-0", Healthy(5, "a"));
        _reader.Answer("node-1", Healthy(5, "a"));
        await StartAsync("node-0", "node-1");
        await WaitForAsync(ControlRoom.NetworkResourceName, s => s.State?.Text == Convergence.Converged, "the network to converge", advance: true);

        // A round is reading node-0 when the burst starts: what it read cannot be a verdict on the records posted after.
        var reading = _reader.HoldNext("node-0");
        _time.Advance(Interval);
        await reading.Started.Task.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        await Monitor.RecordsChangingAsync("100 records being posted to node-0");
        var checking = await WaitForAsync(ControlRoom.NetworkResourceName, s => s.State?.Text == Convergence.Checking, "the network to be Checking");
        Assert.Contains("100 records being posted to node-0", Property(checking, NetworkResource.Laggards) as string, StringComparison.Ordinal);
        var seen = new ConcurrentQueue<string?>();
        using var watch = Watch(ControlRoom.NetworkResourceName, s => seen.Enqueue(s.State?.Text));
        reading.Release();
        await reading.Finished.Task.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        // The burst's records are at node-0 only: the next round, begun after the burst, sees it.
        _reader.Answer("node-0", Healthy(105, "b"));
        var diverging = await WaitForAsync(ControlRoom.NetworkResourceName, s => s.State?.Text == Convergence.Diverging, "the network to see node-1 behind", advance: true);

        Assert.Equal("node-1: 100 behind", Property(diverging, NetworkResource.Laggards));
        Assert.DoesNotContain(Convergence.Converged, seen);
    }

    [Fact]
    public async Task TheTimelineStartsWithTheNodesStartingAndCountsRight()
    {
        var timeline = new ConcurrentQueue<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var following = Task.Run(async () =>
        {
            await foreach (var batch in _logs.WatchAsync(_network).WithCancellation(stop.Token))
            {
                foreach (var line in batch)
                {
                    timeline.Enqueue(line.Content);
                }
            }
        }, stop.Token);
        var nodes = await StartInStateAsync(KnownResourceStates.Starting, "node-0", "node-1");

        await Eventually.UntilAsync(() => Task.FromResult(timeline.Count), n => n >= 1, Timeouts.Request, "the first line of the timeline");
        foreach (var node in nodes)
        {
            await _notifications.PublishUpdateAsync(node.Resource, s => s with { State = KnownResourceStates.Running });
        }

        _reader.Answer("node-0", Healthy(1, "a"));
        _reader.Answer("node-1", Healthy(1, "a"));
        await Eventually.UntilAsync(() => { _time.Advance(Interval); return Task.FromResult(timeline.ToArray()); },
            lines => lines.Any(l => l.Contains(Convergence.Converged, StringComparison.Ordinal)), Timeouts.Converge, "the timeline to say Converged");
        await stop.CancelAsync();
        await following.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        // Each line of a resource's console starts with its time.
        var lines = timeline.Select(l => l.Split(' ', 2)[1]).ToArray();
        Assert.StartsWith("Starting: node-0: starting, holds nothing yet; node-1: starting, holds nothing yet", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.StartsWith(Convergence.NoNodes, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("Converged: 2 of 2 nodes running, 1 record", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ANodeThatStoppedIsShownWithWhyItStopped()
    {
        _reader.Answer("node-0", Healthy(2, "a"));
        _reader.Answer("node-1", Healthy(2, "a"));
        var nodes = await StartAsync("node-0", "node-1");
        await WaitForAsync(ControlRoom.NetworkResourceName, s => s.State?.Text == Convergence.Converged, "the network to converge", advance: true);

        var started = _time.GetUtcNow();
        _logs.GetLogger(nodes[1].Resource).LogError("Unhandled exception. System.IO.IOException: Failed to bind to address http://localhost:3031: address already in use.");
        await _notifications.PublishUpdateAsync(nodes[1].Resource, s => s with { State = KnownResourceStates.Exited, ExitCode = 134, StartTimeStamp = started.UtcDateTime });

        var network = await WaitForAsync(ControlRoom.NetworkResourceName, s => Property(s, NetworkResource.Laggards) is string l && l.Contains("address already in use", StringComparison.Ordinal),
            "the network to name why node-1 stopped", advance: true);
        Assert.Equal("node-1: exited with code 134: Failed to bind to address http://localhost:3031: address already in use.", Property(network, NetworkResource.Laggards));
        var row = await WaitForAsync("node-1", s => Property(s, NodeStateProperties.StopReason) is not null, "node-1's row to say why it stopped");
        Assert.Equal("Failed to bind to address http://localhost:3031: address already in use.", Property(row, NodeStateProperties.StopReason));
    }

    private Task<NetworkNode[]> StartAsync(params string[] names) => StartInStateAsync(KnownResourceStates.Running, names);

    /// <summary>Declares the nodes (each with an allocated endpoint), puts them in the given state, starts the live view.</summary>
    private async Task<NetworkNode[]> StartInStateAsync(string state, params string[] names)
    {
        var nodes = new List<NetworkNode>();
        for (var i = 0; i < names.Length; i++)
        {
            var resource = new ExecutableResource(names[i], "node", "/");
            var endpoint = new EndpointAnnotation(ProtocolType.Tcp, uriScheme: "http", name: Extensions.EndpointName, port: 3030 + i, isProxied: false);
            endpoint.AllocatedEndpoint = new AllocatedEndpoint(endpoint, "localhost", 3030 + i);
            resource.Annotations.Add(endpoint);
            nodes.Add(_nodes.Add(resource, spare: false, portOffset: i));
            _reader.Name(new Uri($"http://localhost:{3030 + i}"), names[i]);
            await _notifications.PublishUpdateAsync(resource, s => s with { State = state });
        }

        await Eventually.UntilAsync(() => Task.FromResult(nodes.All(n => _states.Of(n.Resource)?.State?.Text == state)), Timeouts.Request, "the nodes' states");
        _monitor = new NetworkMonitor(_nodes, _network, _reader, _states, _notifications, _logs, new NodeConsoles(_logs, _time), Interval, _time, _logger);
        await _monitor.StartAsync(_stop.Token);
        return [.. nodes];
    }

    /// <summary>Waits for a snapshot of the resource that satisfies the condition; <paramref name="advance"/> moves the clock a round at a time meanwhile.</summary>
    private async Task<CustomResourceSnapshot> WaitForAsync(string resource, Func<CustomResourceSnapshot, bool> condition, string what, bool advance = false)
    {
        CustomResourceSnapshot? last = null;
        await Eventually.UntilAsync(
            () =>
            {
                if (advance)
                {
                    _time.Advance(Interval);
                }

                last = _notifications.TryGetCurrentState(resource, out var current) ? current.Snapshot : null;
                return Task.FromResult(last is not null && condition(last));
            },
            Timeouts.Converge,
            what);
        return last!;
    }

    private IDisposable Watch(string resource, Action<CustomResourceSnapshot> seen)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _ = Task.Run(async () =>
        {
            await foreach (var update in _notifications.WatchAsync(stop.Token))
            {
                if (update.Resource.Name == resource)
                {
                    seen(update.Snapshot);
                }
            }
        }, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        return stop;
    }

    private static HealthReportSnapshot? Report(CustomResourceSnapshot snapshot) =>
        snapshot.HealthReports.SingleOrDefault(r => r.Name == NodeStateProperties.HealthReportName);

    private static object? Property(CustomResourceSnapshot snapshot, string name) => snapshot.Properties.FirstOrDefault(p => p.Name == name)?.Value;

    private static NodeStatus Healthy(long records, string digest, int peers = 1) =>
        new("id", records, digest, peers, 0, 0, 0, new NodeHealth(HealthStatus.Healthy, null, null), null, []);

    /// <summary>Node reads a test decides: an answer per node, failures to throw first, a read to hold until released.</summary>
    private sealed class FakeReader : INodeStatusReader
    {
        private readonly ConcurrentDictionary<Uri, string> _names = new();
        private readonly ConcurrentDictionary<string, NodeStatus> _answers = new();
        private readonly ConcurrentDictionary<string, ConcurrentQueue<Exception>> _failures = new();
        private readonly ConcurrentDictionary<string, HeldRead> _held = new();

        public void Name(Uri url, string node) => _names[url] = node;

        public void Answer(string node, NodeStatus status) => _answers[node] = status;

        public void FailNext(string node, Exception error, int times)
        {
            var queue = _failures.GetOrAdd(node, _ => new ConcurrentQueue<Exception>());
            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(error);
            }
        }

        public HeldRead HoldNext(string node) => _held[node] = new HeldRead();

        public async Task<NodeStatus> ReadAsync(Uri node, CancellationToken cancellationToken)
        {
            var name = _names[new Uri(node.GetLeftPart(UriPartial.Authority))];
            if (_failures.TryGetValue(name, out var failures) && failures.TryDequeue(out var error))
            {
                throw error;
            }

            if (_held.TryRemove(name, out var held))
            {
                var answer = _answers.TryGetValue(name, out var before) ? before : throw new HttpRequestException("no answer");
                held.Started.TrySetResult();
                await held.Released.Task.WaitAsync(cancellationToken);
                held.Finished.TrySetResult();
                return answer;
            }

            return _answers.TryGetValue(name, out var status) ? status : throw new HttpRequestException("connection refused");
        }
    }

    private sealed class HeldRead
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => Released.TrySetResult();
    }
}
