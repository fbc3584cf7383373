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
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A run of <paramref name="count"/> consecutive ports that nothing listens on (the AppHost takes --base-port and the next ones).</summary>
    public static int FreeRange(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Random.Shared.Next(20_000, 32_000 - count);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free ports found");
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
