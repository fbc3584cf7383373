using AspireP2P.Node.Mesh;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Supervision;

/// <summary>
/// Starts and watches every long-running task of one node (Erlang/OTP's supervisor, in small): nothing the node starts is
/// fire-and-forget. Two kinds, each with its policy on an exception nobody expected:
/// <list type="bullet">
/// <item><see cref="Loop"/>: a loop that runs as long as the node (the mesh loop and its tick, the publisher's signer). It
/// is logged at Error with its stack, counted (<c>p2p.task.failures{task}</c>) and restarted after a capped exponential
/// back-off; past its <see cref="RestartIntensity"/> the node fails stop (<see cref="NodeFailure"/>).</item>
/// <item><see cref="Run"/>: a task with an end (a link's reader and writer, a dial). It is logged and counted the same
/// way, then handed to the task's own fault handler, which decides what recovers (a link closes and frees its slot, a
/// dial counts as failed and is retried with back-off).</item>
/// </list>
/// <see cref="StopAsync"/> cancels them all and waits for them, within a deadline. Time comes from the node's clock and
/// randomness from its random source, and nothing hops to the thread pool, so the simulator can run it.
/// </summary>
public sealed class TaskSupervisor(TimeProvider time, Random random, NodeTelemetry telemetry, NodeFailure failure, ILogger logger) : IDisposable
{
    private static readonly TimeSpan FirstRestartDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRestartDelay = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<long, Task> _running = [];
    private readonly Dictionary<string, RestartIntensity> _intensities = new(StringComparer.Ordinal);
    private long _nextId;
    private int _pruneAt = 64;

    /// <summary>Cancelled when the node stops: every supervised task gets it.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Tasks still running (for tests and the shutdown log).</summary>
    public int Running
    {
        get
        {
            lock (_gate) { return _running.Values.Count(t => !t.IsCompleted); }
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> until the node stops; restarts it after an unexpected exception, or when it ends
    /// before the node stops and <paramref name="finished"/> (the loop's own "I was told to end") does not say it may.
    /// </summary>
    public void Loop(string name, Func<CancellationToken, Task> body, Func<bool>? finished = null, RestartIntensity? intensity = null)
    {
        if (intensity is not null)
        {
            lock (_gate) { _intensities[name] = intensity; }
        }

        var id = Interlocked.Increment(ref _nextId);
        Track(id, RunLoopAsync(id, name, body, finished));
    }

    /// <summary>Runs a task with an end; on an unexpected exception, reports it and calls <paramref name="onFault"/>.</summary>
    public void Run(string name, Func<CancellationToken, Task> body, Action<Exception>? onFault = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        Track(id, RunOnceAsync(id, name, body, onFault));
    }

    /// <summary>
    /// A loop that survives a failed step by itself (the mesh loop goes on with its next event) reports the failure here:
    /// logged with its stack, counted, and counted against the loop's restart intensity. False when that was one too many
    /// and the node has failed stop.
    /// </summary>
    public bool Failed(string name, Exception exception)
    {
        telemetry.TaskFailed(name);
        Log.TaskFailed(logger, name, exception);
        bool allowed;
        int recent;
        TimeSpan period;
        lock (_gate)
        {
            if (!_intensities.TryGetValue(name, out var intensity))
            {
                _intensities[name] = intensity = RestartIntensity.Default();
            }

            allowed = intensity.Failed(time.GetUtcNow());
            (recent, period) = (intensity.Recent, intensity.Period);
        }

        if (!allowed)
        {
            failure.Fail(name, $"{name} failed {recent} times within {period.TotalSeconds:0} s ({exception.GetType().Name})", exception);
        }

        return allowed;
    }

    /// <summary>
    /// Reports an exception a task recovered from by its own policy (a link that closed on it): logged at Error with its
    /// stack and counted, not counted against any restart intensity.
    /// </summary>
    public void Report(string name, Exception exception)
    {
        telemetry.TaskFailed(name);
        Log.TaskFailed(logger, name, exception);
    }

    /// <summary>Cancels every task and waits for them to end, at most <paramref name="limit"/>.</summary>
    public async Task StopAsync(TimeSpan limit)
    {
        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException ex)
        {
            // A registration on the token threw: it is reported, and the rest still stop.
            Failed("shutdown", ex);
        }

        Task[] running;
        lock (_gate) { running = [.. _running.Values]; }
        try
        {
            await Task.WhenAll(running).WaitAsync(limit, time);
        }
        catch (TimeoutException)
        {
            Log.TasksOutlivedStop(logger, Running, (long)limit.TotalMilliseconds);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private void Track(long id, Task task)
    {
        lock (_gate)
        {
            if (task.IsCompleted)
            {
                return;
            }

            _running[id] = task;
            if (_running.Count >= _pruneAt)
            {
                // A task that ended just before it was added here would stay listed: drop those now and then.
                foreach (var done in _running.Where(p => p.Value.IsCompleted).Select(p => p.Key).ToList())
                {
                    _running.Remove(done);
                }

                _pruneAt = Math.Max(64, _running.Count * 2);
            }
        }
    }

    private void Untrack(long id)
    {
        lock (_gate) { _running.Remove(id); }
    }

    private async Task RunLoopAsync(long id, string name, Func<CancellationToken, Task> body, Func<bool>? finished)
    {
        var token = _stopping.Token;
        var restarts = 0;
        try
        {
            while (!token.IsCancellationRequested)
            {
                Exception error;
                try
                {
                    await body(token);
                    if (token.IsCancellationRequested || finished?.Invoke() == true)
                    {
                        return;
                    }

                    error = new InvalidOperationException($"the {name} ended while the node runs");
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                if (!Failed(name, error))
                {
                    return;
                }

                restarts++;
                var delay = Backoff.Delay(restarts, FirstRestartDelay, LastRestartDelay, random.NextDouble());
                Log.LoopRestarting(logger, name, (long)delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, time, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        finally
        {
            Untrack(id);
        }
    }

    private async Task RunOnceAsync(long id, string name, Func<CancellationToken, Task> body, Action<Exception>? onFault)
    {
        try
        {
            await body(_stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            Report(name, ex);
            try
            {
                onFault?.Invoke(ex);
            }
            catch (Exception handlerFailure)
            {
                // The recovery itself failed: that part cannot be trusted any more.
                failure.Fail(name, $"{name} failed and its recovery failed too ({handlerFailure.GetType().Name})", handlerFailure);
            }
        }
        finally
        {
            Untrack(id);
        }
    }
}
