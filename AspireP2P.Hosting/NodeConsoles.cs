using System.Collections.Concurrent;

namespace AspireP2P.Hosting;

/// <summary>
/// What each node printed on stderr (where .NET writes an unhandled exception; the node logs to stdout), with when the
/// AppHost received it, so that a node that stopped can be shown with why (<see cref="NodeStopReason"/>), from its own
/// run only. Lines are read from Aspire's resource logs, the same the dashboard's Console shows.
/// </summary>
internal sealed class NodeConsoles(ResourceLoggerService logs, TimeProvider time)
{
    private const int Kept = 200;
    private readonly ConcurrentDictionary<string, Queue<(DateTimeOffset At, string Line)>> _errors = new(StringComparer.Ordinal);

    /// <summary>Follows one node's console until cancelled.</summary>
    public async Task WatchAsync(NetworkNode node, CancellationToken cancellationToken)
    {
        var errors = _errors.GetOrAdd(node.Name, _ => new Queue<(DateTimeOffset, string)>());
        await foreach (var batch in logs.WatchAsync(node.Resource).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var now = time.GetUtcNow();
            lock (errors)
            {
                foreach (var line in batch.Where(l => l.IsErrorMessage))
                {
                    errors.Enqueue((now, line.Content));
                    if (errors.Count > Kept)
                    {
                        errors.Dequeue();
                    }
                }
            }
        }
    }

    /// <summary>Why the node's run that started at <paramref name="runStarted"/> ended, if its stderr said.</summary>
    public string? StopReason(string node, DateTimeOffset? runStarted)
    {
        if (!_errors.TryGetValue(node, out var errors))
        {
            return null;
        }

        lock (errors)
        {
            return NodeStopReason.From(errors.Where(e => runStarted is null || e.At >= runStarted).Select(e => e.Line).ToList());
        }
    }
}
