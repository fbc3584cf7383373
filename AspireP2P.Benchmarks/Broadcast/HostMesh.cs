using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AspireP2P.Benchmarks.Broadcast;

/// <summary>
/// Nodes on hosts of their own: eng/hosts.sh's network namespaces on a bridge, node i started with <c>--peers</c> = host
/// i-1 (as the AppHost joins them) and the given flags. Faults are the kernel's: partitions are iptables drops (the nodes
/// get no FIN), delay is every packet between hosts held back by eng/NetDelay. Bytes are the kernel's count of what each
/// host sent to the others (IP packets, headers and ACKs included), whatever the nodes put in them.
/// </summary>
public sealed partial class HostMesh : IAsyncDisposable
{
    private readonly string _script;
    private readonly Dictionary<string, string> _environment;
    private bool _down;

    private HostMesh(string script, Dictionary<string, string> environment, int id, int hosts, int port)
    {
        _script = script;
        _environment = environment;
        Id = id;
        Hosts = hosts;
        Port = port;
    }

    public int Id { get; }
    public int Hosts { get; }
    public int Port { get; }

    /// <summary>Host i (1-based), as this machine reaches it over the bridge.</summary>
    public Uri Node(int i) => new($"http://{Address(i)}:{Port}");

    public string Address(int i) => $"10.231.{Id}.{10 + i}";

    public static async Task<HostMesh> UpAsync(string repo, int hosts, int port, string nodeDll, string apiKey, IEnumerable<string> nodeArgs)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            throw new InvalidOperationException("the broadcast benchmark puts each node on a host of its own (network namespaces): run it as root, with iproute2 and iptables");
        }

        var script = Path.Combine(repo, "eng", "hosts.sh");
        var environment = new Dictionary<string, string>
        {
            ["P2P_HOSTS_ID"] = "auto",
            ["P2P_HOSTS_OWNER"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            ["P2P_HOSTS_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["P2P_HOSTS_API_KEY"] = apiKey,
            ["P2P_NODE_DLL"] = nodeDll,
        };
        var output = await RunAsync(script, environment, TimeSpan.FromMinutes(3), ["up", hosts.ToString(CultureInfo.InvariantCulture), .. nodeArgs]);
        var id = IdLine().Match(output) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"hosts.sh up did not say which network it made:{Environment.NewLine}{output}");
        environment["P2P_HOSTS_ID"] = id.ToString(CultureInfo.InvariantCulture);
        return new HostMesh(script, environment, id, hosts, port);
    }

    /// <summary>
    /// IPv4 + TCP headers of one packet between our hosts: 20 + 20 + 12 (the timestamp option Linux puts on every segment).
    /// IP bytes minus this per packet is the TCP payload, what a socket's own counters (tcp_info bytes_sent) report.
    /// </summary>
    public const int HeaderBytes = 52;

    /// <summary>What all hosts have sent to the other hosts so far: IP bytes (headers and ACKs included) and packets.</summary>
    public async Task<Traffic> TrafficAsync()
    {
        long bytes = 0, packets = 0;
        foreach (var line in (await RunAsync(_script, _environment, TimeSpan.FromSeconds(60), ["counters"])).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3 && int.TryParse(fields[0], CultureInfo.InvariantCulture, out var host) && host >= 1 && host <= Hosts)
            {
                bytes += long.Parse(fields[1], CultureInfo.InvariantCulture);
                packets += long.Parse(fields[2], CultureInfo.InvariantCulture);
            }
        }

        return new Traffic(bytes, packets);
    }

    public Task PartitionAsync(IEnumerable<int> side) =>
        RunAsync(_script, _environment, TimeSpan.FromSeconds(60), ["partition-group", string.Join(',', side)]);

    public Task HealAsync() => RunAsync(_script, _environment, TimeSpan.FromSeconds(60), ["heal"]);

    public Task DelayAsync(int milliseconds) =>
        RunAsync(_script, _environment, TimeSpan.FromSeconds(90), ["delay", $"{milliseconds}ms"]);

    /// <summary>Stops the nodes and NetDelay, removes the namespaces, veths, bridge and rules.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_down)
        {
            _down = true;
            await RunAsync(_script, _environment, TimeSpan.FromSeconds(60), ["down"]);
        }
    }

    /// <summary>For a process that is going away (Ctrl+C): the same as <see cref="DisposeAsync"/>, synchronously.</summary>
    public void DownNow()
    {
        if (!_down)
        {
            _down = true;
            RunAsync(_script, _environment, TimeSpan.FromSeconds(30), ["down"]).GetAwaiter().GetResult();
        }
    }

    private static async Task<string> RunAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"hosts.sh {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s");
        }

        var output = await stdout + await stderr;
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"hosts.sh {string.Join(' ', args)} failed ({process.ExitCode}): {output}");
    }

    [GeneratedRegex(@"^id=(\d+)", RegexOptions.Multiline)]
    private static partial Regex IdLine();
}

/// <summary>Traffic between hosts: IP bytes and packets; <see cref="Payload"/> is the TCP payload in them.</summary>
public readonly record struct Traffic(long IpBytes, long Packets)
{
    public long Payload => IpBytes - (Packets * HostMesh.HeaderBytes);

    public static Traffic operator -(Traffic after, Traffic before) => new(after.IpBytes - before.IpBytes, after.Packets - before.Packets);
}
