using AspireP2P.Node.Supervision;

namespace AspireP2P.Node.Hosting;

/// <summary>
/// Gives memory back to the operating system once a burst is over. The garbage collector sizes its heaps for the load it
/// last saw and keeps them: after a stranger pushed 100,000 feeds a node held about 33 MB of live objects in 112 MB of
/// anonymous memory for as long as it stayed quiet, 71 MB after one aggressive collection (AspireP2P.Benchmarks memory,
/// docs/benchmarks.md). So every few
/// seconds this looks at what the node allocated: after more than <see cref="BurstBytes"/> since the last trim, once the
/// node has gone quiet (less than <see cref="QuietBytes"/> in the last period), it runs one aggressive collection, which
/// compacts and decommits what is free. A busy node is never interrupted; a quiet one pays one pause per burst.
/// Runs as a supervised loop of the node (real processes only: the simulator's thousands of nodes share one heap).
/// </summary>
internal static class MemoryTrimmer
{
    private const long BurstBytes = 64L << 20;
    private const long QuietBytes = 4L << 20;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    public static void Start(TaskSupervisor supervisor, TimeProvider time) =>
        supervisor.Loop("memory trimmer", cancellationToken => RunAsync(time, cancellationToken));

    private static async Task RunAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        var trimmedAt = GC.GetTotalAllocatedBytes();
        var previous = trimmedAt;
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var allocated = GC.GetTotalAllocatedBytes();
            var quiet = allocated - previous < QuietBytes;
            previous = allocated;
            if (quiet && allocated - trimmedAt > BurstBytes)
            {
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                trimmedAt = GC.GetTotalAllocatedBytes();
                previous = trimmedAt;
            }
        }
    }
}
