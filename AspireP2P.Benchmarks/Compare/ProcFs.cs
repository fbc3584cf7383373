using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>What /proc says about a process: CPU time, resident memory, command line, parent.</summary>
public static class ProcFs
{
    public static TimeSpan CpuTime(int pid)
    {
        var fields = StatFields(pid);
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>VmRSS in MiB.</summary>
    public static double RssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        throw new InvalidOperationException($"no VmRSS for {pid}");
    }

    /// <summary>
    /// Proportional set size in MiB (/proc/&lt;pid&gt;/smaps_rollup): resident pages, each shared page divided among the
    /// processes that map it. Nodes share the framework's pages, which RSS counts in full in every node.
    /// </summary>
    public static double PssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            if (line.StartsWith("Pss:", StringComparison.Ordinal))
            {
                return long.Parse(line["Pss:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        throw new InvalidOperationException($"no Pss for {pid}");
    }

    /// <summary>Seconds since boot when the process started (/proc/&lt;pid&gt;/stat field 22, at 100 ticks a second).</summary>
    public static double StartedSinceBoot(int pid) => long.Parse(StatFields(pid)[19], CultureInfo.InvariantCulture) / 100.0;

    /// <summary>Seconds since boot now (/proc/uptime), on the clock of <see cref="StartedSinceBoot"/>.</summary>
    public static double Uptime() => double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);

    public static int ParentOf(int pid) => int.Parse(StatFields(pid)[1], CultureInfo.InvariantCulture);

    /// <summary>The parent of a live process, or -1 once it has exited.</summary>
    public static int ParentOrNone(int pid)
    {
        try
        {
            return ParentOf(pid);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    /// <summary>The processes <paramref name="roots"/> and all their live descendants.</summary>
    public static HashSet<int> WithDescendants(IEnumerable<int> roots)
    {
        var parents = Processes().Select(p => p.Pid).ToDictionary(p => p, ParentOrNone);
        var family = new HashSet<int>(roots);
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                grew |= family.Contains(parent) && family.Add(pid);
            }
        }

        return family;
    }

    /// <summary>Every live process with its arguments (NUL-separated in /proc, split here).</summary>
    public static IEnumerable<(int Pid, string[] Args)> Processes()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (args.Length > 0)
            {
                yield return (pid, args);
            }
        }
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>A process's command line (the binary first).</summary>
    public static string[] CommandLine(int pid) => File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A process's environment as it was started (/proc/&lt;pid&gt;/environ; readable by its owner and root).</summary>
    public static Dictionary<string, string> EnvironmentOf(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Split('=', 2)).Where(v => v.Length == 2).GroupBy(v => v[0]).ToDictionary(g => g.Key, g => g.Last()[1]);

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>Fields after the command name in /proc/&lt;pid&gt;/stat (state is [0], ppid [1], utime [11], stime [12]).</summary>
    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}

public static class Ports
{
    /// <summary>
    /// Where the harness takes ports for everything it starts (servers, AppHost nodes, the dashboard): <c>--ports
    /// 43000-44999</c> or the environment variable <c>P2P_BENCH_PORTS</c>, so runs on a shared machine stay inside the
    /// range their user was given; unset, the kernel's free ephemeral ports and a random range for AppHost nodes.
    /// </summary>
    public static (int First, int Last)? Range { get; set; } = Parse(Environment.GetEnvironmentVariable("P2P_BENCH_PORTS"));

    public static (int First, int Last)? Parse(string? range)
    {
        if (string.IsNullOrWhiteSpace(range))
        {
            return null;
        }

        var parts = range.Split('-');
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var first)
            && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var last) && first is > 0 and <= 65535 && last >= first && last <= 65535
            ? (first, last)
            : throw new ArgumentException($"a port range is FIRST-LAST within 1-65535, not '{range}'");
    }

    private static readonly HashSet<int> HandedOut = [];

    public static int Free()
    {
        if (Range is null)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        return FreeRange(1);
    }

    /// <summary>A run of <paramref name="count"/> consecutive ports that nothing listens on (the AppHost takes --base-port and the next ones).</summary>
    public static int FreeRange(int count)
    {
        var (low, high) = Range ?? (20_000, 32_000);
        if (high - low + 1 < count)
        {
            throw new InvalidOperationException($"the port range {low}-{high} has fewer than {count} ports");
        }

        for (var attempt = 0; attempt < 500; attempt++)
        {
            var first = Random.Shared.Next(low, high - count + 2);
            lock (HandedOut)
            {
                if (HandedOut.Count > (high - low + 1) / 2)
                {
                    HandedOut.Clear(); // long runs: ports handed out long ago are bound or free by now
                }

                // A port handed out a moment ago may not be bound yet: never hand it out twice in one run.
                if (Enumerable.Range(first, count).All(p => !HandedOut.Contains(p) && IsFree(p)))
                {
                    HandedOut.UnionWith(Enumerable.Range(first, count));
                    return first;
                }
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free ports found in {low}-{high}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

public static class Http
{
    public static HttpClient Client { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };
}
