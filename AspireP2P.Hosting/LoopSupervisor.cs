using Microsoft.Extensions.Logging;

namespace AspireP2P.Hosting;

/// <summary>One failure of a supervised loop, as the dashboard shows it.</summary>
internal sealed record LoopFault(string Loop, Exception Error, DateTimeOffset At, TimeSpan RestartIn)
{
    public override string ToString() => $"{Loop}: {Error.GetType().Name}: {Error.Message} (at {At.ToLocalTime():HH:mm:ss}, restarted after {RestartIn.TotalSeconds:0.#} s)";
}

/// <summary>
/// The AppHost's supervision rule for its long-running loops (the live view's readers, its rounds, the console watchers):
/// a loop that ends with an exception it did not handle (or ends at all) is logged at Error with the stack, counted, reported to the
/// dashboard, and started again after a back-off (1 s, doubling to 30 s; back to 1 s once a run lasted a minute), until
/// the AppHost stops. A dead live view never goes unnoticed: it comes back, and meanwhile says it is not current.
/// </summary>
internal sealed partial class LoopSupervisor(TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>A run this long counts as healthy: the next failure waits the first back-off again.</summary>
    public static readonly TimeSpan StableRun = TimeSpan.FromMinutes(1);

    private int _faults;

    /// <summary>Failures so far, over every loop.</summary>
    public int Faults => Volatile.Read(ref _faults);

    /// <summary>The latest failure, or null.</summary>
    public LoopFault? LastFault { get; private set; }

    /// <summary>
    /// Runs the loop until <paramref name="stopping"/> is cancelled, restarting it after each failure. <paramref name="onFault"/>
    /// tells the dashboard, after the failure is logged and counted and before the back-off (a failure in it is logged too).
    /// </summary>
    public async Task RunAsync(string name, Func<CancellationToken, Task> loop, Func<LoopFault, Task>? onFault, CancellationToken stopping)
    {
        var backoff = FirstBackoff;
        while (!stopping.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            try
            {
                await loop(stopping).ConfigureAwait(false);
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                // A loop that returns while the AppHost runs is as dead as one that threw.
                throw new InvalidOperationException($"the {name} ended on its own");
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (time.GetElapsedTime(started) >= StableRun)
                {
                    backoff = FirstBackoff;
                }

                var fault = new LoopFault(name, ex, time.GetUtcNow(), backoff);
                Interlocked.Increment(ref _faults);
                LastFault = fault;
                LogLoopFailed(logger, name, backoff.TotalSeconds, ex);
                await ReportAsync(fault, onFault).ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(backoff, time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
        }
    }

    private async Task ReportAsync(LoopFault fault, Func<LoopFault, Task>? onFault)
    {
        if (onFault is null)
        {
            return;
        }

        try
        {
            await onFault(fault).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogReportFailed(logger, fault.Loop, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Loop} failed; it restarts in {BackoffSeconds} s")]
    private static partial void LogLoopFailed(ILogger logger, string loop, double backoffSeconds, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not report the failure of the {Loop} to the dashboard")]
    private static partial void LogReportFailed(ILogger logger, string loop, Exception exception);
}
