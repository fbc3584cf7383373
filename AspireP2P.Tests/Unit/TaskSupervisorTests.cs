using AspireP2P.Node.Supervision;
using AspireP2P.Node.Telemetry;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The one owner of a node's long-running tasks (issue 20: a loop that threw ended silently and the node answered on,
/// half dead). A loop that fails is restarted after a back-off; one that keeps failing fails the node stop; a task with
/// an end hands its failure to its own policy.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class TaskSupervisorTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly NodeTelemetry _telemetry = new(meterFactory: null);
    private readonly NodeFailure _failure;
    private readonly TaskSupervisor _supervisor;

    public TaskSupervisorTests()
    {
        _failure = new NodeFailure(_time, NullLogger.Instance);
        _supervisor = new TaskSupervisor(_time, new Random(1), _telemetry, _failure, NullLogger.Instance);
    }

    [Fact]
    public async Task ALoopThatThrowsIsRestartedAfterABackOff()
    {
        var runs = 0;
        var running = new TaskCompletionSource();
        _supervisor.Loop("test loop", async token =>
        {
            if (++runs == 1)
            {
                throw new UnauthorizedAccessException("a permission error nobody expected");
            }

            running.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
        });

        Assert.Equal(1, runs);
        Assert.Equal(1, _telemetry.TaskFailures);
        await Eventually.UntilAsync(() => Task.FromResult(_supervisor.Running), n => n == 1, Timeouts.Request, "the loop to wait out its back-off");
        _time.Advance(TimeSpan.FromSeconds(1));
        await running.Task.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);

        Assert.Equal(2, runs);
        Assert.Null(_failure.Report);
        await _supervisor.StopAsync(Timeouts.Stop);
        Assert.Equal(0, _supervisor.Running);
    }

    [Fact]
    public async Task ALoopThatKeepsFailingFailsTheNodeStop()
    {
        var stopped = new TaskCompletionSource<FailureReport>();
        _failure.OnFailed(report => stopped.TrySetResult(report));
        _supervisor.Loop("hopeless loop", _ => throw new InvalidOperationException("broken for good"), intensity: new RestartIntensity(3, TimeSpan.FromMinutes(1)));

        for (var i = 0; i < 10 && !stopped.Task.IsCompleted; i++)
        {
            await Eventually.UntilAsync(() => Task.FromResult(_telemetry.TaskFailures), n => n > i || stopped.Task.IsCompleted, Timeouts.Request, $"failure {i + 1}");
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        var report = await stopped.Task.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal("hopeless loop", report.Part);
        Assert.Contains("failed 4 times within 60 s (InvalidOperationException)", report.Reason, StringComparison.Ordinal);
        Assert.Equal(4, _telemetry.TaskFailures);
        await Eventually.UntilAsync(() => Task.FromResult(_supervisor.Running), n => n == 0, Timeouts.Request, "the loop to stay stopped");
    }

    [Fact]
    public void FailuresSpreadOverTimeNeverAddUpToAFailStop()
    {
        for (var i = 0; i < 20; i++)
        {
            Assert.True(_supervisor.Failed("mesh loop", new InvalidOperationException("now and then")));
            _time.Advance(TimeSpan.FromSeconds(13));
        }

        Assert.Null(_failure.Report);
    }

    [Fact]
    public async Task ATaskWithAnEndHandsItsFailureToItsOwnPolicy()
    {
        Exception? handled = null;
        _supervisor.Run("link", _ => throw new ObjectDisposedException("socket"), onFault: ex => handled = ex);
        _supervisor.Run("dial", _ => Task.CompletedTask, onFault: _ => throw new InvalidOperationException("never called"));

        Assert.IsType<ObjectDisposedException>(handled);
        Assert.Equal(1, _telemetry.TaskFailures);
        Assert.Null(_failure.Report);
        await _supervisor.StopAsync(Timeouts.Stop);
    }

    [Fact]
    public void ARecoveryThatFailsTooFailsTheNodeStop()
    {
        _supervisor.Run("link", _ => throw new IOException("gone"), onFault: _ => throw new InvalidOperationException("the recovery's own bug"));

        Assert.Equal("link", _failure.Report?.Part);
    }

    [Fact]
    public async Task StoppingCancelsEveryTaskAndWaitsForThem()
    {
        var ended = 0;
        for (var i = 0; i < 3; i++)
        {
            _supervisor.Run("waiter", async token =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                finally
                {
                    Interlocked.Increment(ref ended);
                }
            });
        }

        _supervisor.Loop("loop", token => Task.Delay(Timeout.Infinite, token));
        Assert.Equal(4, _supervisor.Running);

        await _supervisor.StopAsync(Timeouts.Stop);

        Assert.Equal(3, ended);
        Assert.Equal(0, _supervisor.Running);
        Assert.Equal(0, _telemetry.TaskFailures);
    }

    [Fact]
    public void OnlyTheFirstFailureStandsAndLateHandlersAreToldAtOnce()
    {
        Assert.True(_failure.Fail("record log", "the disk is full", new IOException("/data/records.db: No space left on device")));
        Assert.False(_failure.Fail("mesh loop", "later", null));

        FailureReport? told = null;
        _failure.OnFailed(report => told = report);

        Assert.Equal(("record log", "the disk is full", Start), (told?.Part, told?.Reason, told?.At));
    }

    public void Dispose()
    {
        _supervisor.Dispose();
        _telemetry.Dispose();
    }
}
