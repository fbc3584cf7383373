using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Supervision;

/// <summary>Why a node failed stop: the part that could not recover, a reason without file paths, and when.</summary>
public sealed record FailureReport(string Part, string Reason, DateTimeOffset At);

/// <summary>
/// The node's fatal failure, if it has one: a part that could not recover (a loop past its restart intensity, a record
/// log that can no longer write). The first report wins and is final. From then on the node fails stop: /health says
/// Unhealthy with the reason, the host stops, and the process exits with <see cref="ExitCode"/>, so the orchestrator (the
/// Aspire dashboard, a service manager) shows it and a restart recovers from the durable log. The simulator crashes the
/// node instead. Thread-safe.
/// </summary>
public sealed class NodeFailure(TimeProvider time, ILogger logger)
{
    /// <summary>The process's exit code after a fail-stop (EX_SOFTWARE).</summary>
    public const int ExitCode = 70;

    private readonly Lock _gate = new();
    private readonly List<Action<FailureReport>> _handlers = [];
    private FailureReport? _report;

    /// <summary>The failure, or null while the node is sound.</summary>
    public FailureReport? Report
    {
        get { lock (_gate) { return _report; } }
    }

    /// <summary>Fails the node stop; false when it had already failed (the first reason stands).</summary>
    /// <param name="reason">Shown on /health and /api/node: say what failed, never a file path.</param>
    /// <param name="exception">Logged with its stack (the log may name paths; answers never do).</param>
    public bool Fail(string part, string reason, Exception? exception)
    {
        FailureReport report;
        Action<FailureReport>[] handlers;
        lock (_gate)
        {
            if (_report is not null)
            {
                return false;
            }

            _report = report = new FailureReport(part, reason, time.GetUtcNow());
            handlers = [.. _handlers];
        }

        Log.NodeFailStop(logger, part, reason, exception);
        foreach (var handler in handlers)
        {
            handler(report);
        }

        return true;
    }

    /// <summary>Calls <paramref name="handler"/> once the node fails (at once if it already has); it must not throw or block.</summary>
    public void OnFailed(Action<FailureReport> handler)
    {
        FailureReport? report;
        lock (_gate)
        {
            report = _report;
            if (report is null)
            {
                _handlers.Add(handler);
            }
        }

        if (report is not null)
        {
            handler(report);
        }
    }
}
