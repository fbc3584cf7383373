using System.Diagnostics;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>Small helpers the parts share: waiting on a condition, CPU time of a set of processes, record counts.</summary>
public static class Measure
{
    public static IEnumerable<T> Rotate<T>(IReadOnlyList<T> items, int round) =>
        items.Skip(round % items.Count).Concat(items.Take(round % items.Count));

    public static void Check(Report report, string name, WrkResult result)
    {
        if (result.Errors > 0)
        {
            report.Notes.Add($"{name}: {result.Errors} of {result.Requests} requests failed (non-2xx or socket errors)");
        }
    }

    /// <summary>CPU time in µs of each process still alive.</summary>
    public static Dictionary<int, double> CpuOf(IEnumerable<int> pids)
    {
        var cpu = new Dictionary<int, double>();
        foreach (var pid in pids)
        {
            try
            {
                cpu[pid] = ProcFs.CpuTime(pid).TotalMicroseconds;
            }
            catch (IOException)
            {
                // Exited meanwhile.
            }
        }

        return cpu;
    }

    public static async Task<int> RecordsAtAsync(Uri node)
    {
        using var records = System.Text.Json.JsonDocument.Parse(await Http.Client.GetStreamAsync(new Uri(node, "/records")));
        return records.RootElement.GetArrayLength();
    }

    public static async Task<bool> IsHealthyAsync(Uri node)
    {
        try
        {
            return await Http.Client.GetStringAsync(new Uri(node, "/health")) == "Healthy";
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }

            await Task.Delay(100);
        }
    }
}
