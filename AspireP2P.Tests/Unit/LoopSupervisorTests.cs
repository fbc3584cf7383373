using AspireP2P.Hosting;
using AspireP2P.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The AppHost's supervision rule: a loop that throws what it did not expect, or ends on its own, is logged at Error with
/// its exception, counted, reported, and restarted after a back-off that doubles to a cap; stopping the AppHost ends it
/// quietly.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class LoopSupervisorTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CapturingLogger<LoopSupervisor> _logger = new();

    [Fact]
    public async Task AFailingLoopIsLoggedCountedReportedAndRestartedWithADoublingCappedBackoff()
    {
        var supervisor = new LoopSupervisor(_time, _logger);
        var faults = new List<LoopFault>();
        var runs = 0;
        using var stop = new CancellationTokenSource();

        var supervised = supervisor.RunAsync("test loop", _ =>
        {
            runs++;
            throw new ObjectDisposedException("the reader");
        }, fault =>
        {
            lock (faults) { faults.Add(fault); }
            return Task.CompletedTask;
        }, stop.Token);

        for (var expected = 1; expected <= 7; expected++)
        {
            await Eventually.UntilAsync(() => Task.FromResult(Count(faults)), n => n == expected, Timeouts.Request, $"failure {expected} to be reported");
            _time.Advance(Last(faults).RestartIn);
        }

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], Snapshot(faults).Take(7).Select(f => f.RestartIn.TotalSeconds));
        Assert.True(supervisor.Faults >= 7);
        Assert.IsType<ObjectDisposedException>(supervisor.LastFault!.Error);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Error && e.Exception is ObjectDisposedException && e.Message.Contains("test loop", StringComparison.Ordinal));
        Assert.True(runs >= 7);

        await stop.CancelAsync();
        await supervised.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ALoopThatEndsOnItsOwnIsAFailureTooAndAStopIsNot()
    {
        var supervisor = new LoopSupervisor(_time, _logger);
        var reported = new TaskCompletionSource<LoopFault>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        var supervised = supervisor.RunAsync("quiet loop", _ => Task.CompletedTask, fault =>
        {
            reported.TrySetResult(fault);
            return Task.CompletedTask;
        }, stop.Token);

        var fault = await reported.Task.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Contains("ended on its own", fault.Error.Message, StringComparison.Ordinal);

        await stop.CancelAsync();
        await supervised.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        var stopped = new LoopSupervisor(_time, _logger);
        using var alreadyStopped = new CancellationTokenSource();
        await alreadyStopped.CancelAsync();
        await stopped.RunAsync("stopped loop", token => Task.Delay(Timeout.InfiniteTimeSpan, token), null, alreadyStopped.Token)
            .WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
        Assert.Equal(0, stopped.Faults);
    }

    [Fact]
    public async Task ARunThatLastedAMinuteStartsTheBackoffOver()
    {
        var supervisor = new LoopSupervisor(_time, _logger);
        var faults = new List<LoopFault>();
        using var stop = new CancellationTokenSource();
        var runs = 0;

        var supervised = supervisor.RunAsync("flaky loop", async token =>
        {
            // The third run lasts a minute before it fails.
            if (Interlocked.Increment(ref runs) == 3)
            {
                await Task.Delay(LoopSupervisor.StableRun, _time, token);
            }

            throw new InvalidDataException("bad read");
        }, fault =>
        {
            lock (faults) { faults.Add(fault); }
            return Task.CompletedTask;
        }, stop.Token);

        await Eventually.UntilAsync(() => Task.FromResult(Count(faults)), n => n == 1, Timeouts.Request, "the first failure");
        _time.Advance(Last(faults).RestartIn);
        await Eventually.UntilAsync(() => Task.FromResult(Count(faults)), n => n == 2, Timeouts.Request, "the second failure");
        _time.Advance(Last(faults).RestartIn);
        await Eventually.UntilAsync(() => Task.FromResult(Volatile.Read(ref runs)), n => n == 3, Timeouts.Request, "the third run");
        _time.Advance(LoopSupervisor.StableRun);
        await Eventually.UntilAsync(() => Task.FromResult(Count(faults)), n => n == 3, Timeouts.Request, "the third failure");

        Assert.Equal([1, 2, 1], Snapshot(faults).Select(f => f.RestartIn.TotalSeconds));
        await stop.CancelAsync();
        await supervised.WaitAsync(Timeouts.Request, TestContext.Current.CancellationToken);
    }

    private static int Count(List<LoopFault> faults) { lock (faults) { return faults.Count; } }

    private static LoopFault Last(List<LoopFault> faults) { lock (faults) { return faults[^1]; } }

    private static LoopFault[] Snapshot(List<LoopFault> faults) { lock (faults) { return [.. faults]; } }
}
