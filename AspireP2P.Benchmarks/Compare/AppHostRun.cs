using System.Diagnostics;
using System.Globalization;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>
/// The real AppHost as a developer starts it: <c>dotnet run --project AspireP2P.AppHost --no-build -- --nodes N
/// --base-port P</c> with its launch profile (http, unsecured transport), on free ports for the nodes and the
/// dashboard, and a dashboard API key so the harness can read the telemetry the dashboard holds.
/// </summary>
public sealed class AppHostRun : IAsyncDisposable
{
    private readonly Process _dotnetRun;
    private readonly Stopwatch _clock;
    private readonly List<string> _output = [];

    private AppHostRun(Process dotnetRun, Stopwatch clock, int nodes, AppHostPorts ports, string apiKey, string browserToken)
    {
        _dotnetRun = dotnetRun;
        _clock = clock;
        Nodes = nodes;
        BasePort = ports.BasePort;
        Dashboard = new Uri($"http://localhost:{ports.Dashboard}");
        ApiKey = apiKey;
        BrowserToken = browserToken;
        dotnetRun.OutputDataReceived += (_, e) => Keep(e.Data);
        dotnetRun.ErrorDataReceived += (_, e) => Keep(e.Data);
        dotnetRun.BeginOutputReadLine();
        dotnetRun.BeginErrorReadLine();
    }

    public int Nodes { get; }
    public int BasePort { get; }

    /// <summary>The arguments given to the AppHost beyond the node count, ports and keys (<c>--launch NativeAot</c>, …).</summary>
    public string[] ExtraArgs { get; private init; } = [];

    /// <summary>When <c>dotnet run</c> was spawned, in seconds since boot (the clock of process start times).</summary>
    public double SpawnedSinceBoot { get; private init; }

    /// <summary>When the first and the last node process started, in seconds after the spawn: how parallel DCP starts them.</summary>
    public (double First, double Last) NodeStarts()
    {
        var starts = NodePids().Select(ProcFs.StartedSinceBoot).ToArray();
        return starts.Length == 0 ? (double.NaN, double.NaN) : (starts.Min() - SpawnedSinceBoot, starts.Max() - SpawnedSinceBoot);
    }
    public Uri Dashboard { get; }
    public string ApiKey { get; }

    /// <summary>The dashboard's login token (<c>AppHost:BrowserToken</c>): <c>{Dashboard}/login?t={BrowserToken}</c>.</summary>
    public string BrowserToken { get; }

    /// <summary>The pid of <c>dotnet run</c>, the process this run started.</summary>
    public int Pid => _dotnetRun.Id;

    /// <summary>Public (proxied or direct) address of node i, as users and peers reach it.</summary>
    public Uri Node(int i) => new($"http://127.0.0.1:{BasePort + i}");

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>When the AppHost printed "Distributed application started" (DCP and the dashboard up, resources being created).</summary>
    public TimeSpan? AspireStarted { get; private set; }

    /// <summary>What the AppHost said its nodes run ("Nodes: Native AOT …"), when it says so.</summary>
    public string? Launch { get; private set; }

    public string Output
    {
        get { lock (_output) { return string.Join(Environment.NewLine, _output.TakeLast(60)); } }
    }

    /// <param name="ports">The nodes' and the dashboard's ports; free ones when null.</param>
    public static AppHostRun Start(string repo, int nodes, IEnumerable<string> extraArgs, AppHostPorts? ports = null)
    {
        var (basePort, dashboard, otlp, resourceService) = ports ?? new AppHostPorts(Ports.FreeRange(nodes), Ports.Free(), Ports.Free(), Ports.Free());
        var apiKey = Guid.NewGuid().ToString("N");
        var browserToken = Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = repo,
        };
        foreach (var arg in (string[])[
            "run", "--project", Path.Combine(repo, "AspireP2P.AppHost"), "--no-build", "--launch-profile", "http", "--",
            "--nodes", nodes.ToString(CultureInfo.InvariantCulture), "--base-port", basePort.ToString(CultureInfo.InvariantCulture),
            $"--ASPNETCORE_URLS=http://localhost:{dashboard}",
            $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{otlp}",
            $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:{resourceService}",
            $"--AppHost:DashboardApiKey={apiKey}",
            $"--AppHost:BrowserToken={browserToken}",
            // The nodes' API key (mutating calls need it under the AppHost); an AppHost without the parameter ignores it.
            $"--Parameters:api-key={apiKey}", .. extraArgs])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPIRE_VERSION_CHECK_DISABLED"] = "true";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var spawnedSinceBoot = ProcFs.Uptime();
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet run");
        return new AppHostRun(process, clock, nodes, new AppHostPorts(basePort, dashboard, otlp, resourceService), apiKey, browserToken)
        {
            ExtraArgs = [.. extraArgs],
            SpawnedSinceBoot = spawnedSinceBoot,
        };
    }

    /// <summary>Waits until every node's /health says Healthy (linked to its peers) and returns the time since the spawn.</summary>
    public async Task<TimeSpan> WaitHealthyAsync(TimeSpan timeout)
    {
        var pending = Enumerable.Range(0, Nodes).ToHashSet();
        while (pending.Count > 0)
        {
            if (_dotnetRun.HasExited)
            {
                throw new InvalidOperationException($"the AppHost exited with code {_dotnetRun.ExitCode}:{Environment.NewLine}{Output}");
            }

            if (_clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{pending.Count} of {Nodes} nodes not healthy after {timeout.TotalSeconds:0} s:{Environment.NewLine}{Output}");
            }

            var healthy = await Task.WhenAll(pending.Select(async i => (i, ok: await IsHealthyAsync(Node(i)))));
            foreach (var (i, ok) in healthy)
            {
                if (ok)
                {
                    pending.Remove(i);
                }
            }

            if (pending.Count > 0)
            {
                await Task.Delay(100);
            }
        }

        return _clock.Elapsed;
    }

    /// <summary>The dashboard process (DCP starts it as <c>Aspire.Dashboard</c>), or null while it is not running.</summary>
    public int? DashboardPid() => Family().Where(p => p.Value == "dashboard").Select(p => (int?)p.Key).FirstOrDefault();

    /// <summary>The node processes this AppHost started, found by the public address the AppHost passed them.</summary>
    public int[] NodePids()
    {
        var wanted = Enumerable.Range(0, Nodes).Select(i => $"localhost:{BasePort + i}").ToHashSet();
        return [.. ProcFs.Processes()
            .Where(p => p.Args.Any(a => a.Contains("AspireP2P.Node", StringComparison.Ordinal))
                && p.Args.SkipWhile(a => a != "--public-address").Skip(1).FirstOrDefault() is { } address && wanted.Contains(address))
            .Select(p => p.Pid)];
    }

    /// <summary>
    /// Every process this AppHost runs, by role: the AppHost (and dotnet run), DCP (its API server, controllers and
    /// proxies, and a monitor per resource), the dashboard, and the nodes. DCP detaches from the AppHost, so its
    /// processes are found by the kubeconfig the AppHost gave them.
    /// </summary>
    public Dictionary<int, string> Family()
    {
        var all = ProcFs.Processes().ToArray();
        var roots = new HashSet<int> { _dotnetRun.Id };
        roots.UnionWith(all.Where(p => ProcFs.ParentOrNone(p.Pid) == _dotnetRun.Id).Select(p => p.Pid));
        var kubeconfig = all.Where(p => p.Args.Contains("--monitor") && roots.Any(r => p.Args.Contains(r.ToString(CultureInfo.InvariantCulture))))
            .Select(p => p.Args.SkipWhile(a => a != "--kubeconfig").Skip(1).FirstOrDefault()).FirstOrDefault(k => k is not null);
        if (kubeconfig is not null)
        {
            roots.UnionWith(all.Where(p => p.Args.Contains(kubeconfig)).Select(p => p.Pid));
        }

        var family = ProcFs.WithDescendants(roots);
        var nodes = NodePids().ToHashSet();
        return all.Where(p => family.Contains(p.Pid)).ToDictionary(p => p.Pid, p => Role(p.Pid, p.Args, nodes));
    }

    private static string Role(int pid, string[] args, HashSet<int> nodes) =>
        nodes.Contains(pid) ? "nodes"
        : Path.GetFileName(args[0]) == "dcp" ? "DCP"
        : args.Any(a => a.Contains("Aspire.Dashboard", StringComparison.Ordinal)) ? "dashboard"
        : "AppHost";

    /// <summary>Stops the AppHost as Ctrl+C would (SIGTERM to the AppHost process; it stops DCP, which stops the nodes).</summary>
    public async ValueTask DisposeAsync()
    {
        var nodes = NodePids();
        var appHost = ProcFs.Processes().Where(p => ProcFs.ParentOf(p.Pid) == _dotnetRun.Id).Select(p => p.Pid).ToArray();
        foreach (var pid in appHost)
        {
            Signal(pid, "TERM");
        }

        if (appHost.Length == 0 && !_dotnetRun.HasExited)
        {
            Signal(_dotnetRun.Id, "TERM");
        }

        try
        {
            await _dotnetRun.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            _dotnetRun.Kill(entireProcessTree: true);
        }

        // DCP stops the nodes shortly after the AppHost exits; wait so the next measurement starts on a quiet machine.
        var clock = Stopwatch.StartNew();
        while (nodes.Any(ProcFs.IsAlive) && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200);
        }

        _dotnetRun.Dispose();
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill?.WaitForExit();
    }

    private static async Task<bool> IsHealthyAsync(Uri node)
    {
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var response = await Http.Client.GetAsync(new Uri(node, "/health"), cancel.Token);
            return response.IsSuccessStatusCode && await response.Content.ReadAsStringAsync(cancel.Token) == "Healthy";
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            if (Launch is null && line.StartsWith("Nodes: ", StringComparison.Ordinal))
            {
                Launch = line;
            }

            if (AspireStarted is null && line.Contains("Distributed application started", StringComparison.Ordinal))
            {
                AspireStarted = _clock.Elapsed;
            }

            lock (_output)
            {
                _output.Add(line);
            }
        }
    }
}

/// <summary>Node i listens on <c>BasePort + i</c>; the dashboard's frontend, OTLP and resource-service ports.</summary>
public readonly record struct AppHostPorts(int BasePort, int Dashboard, int Otlp, int ResourceService);
