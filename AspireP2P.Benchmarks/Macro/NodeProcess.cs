using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace AspireP2P.Benchmarks.Macro;

/// <summary>One node as an operating-system process on 127.0.0.1, started from the built binary.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly HttpClient Control = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    private readonly Queue<string> _output = new();
    private Process _process;

    private NodeProcess(Process process, string name, int port, string[] args)
    {
        _process = process;
        Name = name;
        Port = port;
        Args = args;
        Attach(process);
    }

    public static string BinaryPath { get; set; } = "";

    public string Name { get; }
    public int Port { get; }
    public string[] Args { get; }
    public int Pid => _process.Id;
    public string Address => $"127.0.0.1:{Port}";
    public Uri BaseUri => new($"http://127.0.0.1:{Port}");
    public static HttpClient Http => Control;

    public string Output
    {
        get { lock (_output) { return string.Join(Environment.NewLine, _output); } }
    }

    /// <summary>A free port on 127.0.0.1, within <see cref="Compare.Ports.Range"/> when one is set (P2P_BENCH_PORTS).</summary>
    public static int FreePort() => Compare.Ports.Free();

    /// <summary>Starts a node and waits until it answers /alive.</summary>
    public static async Task<NodeProcess> StartAsync(string name, int? port = null, params string[] args)
    {
        var chosen = port ?? FreePort();
        var process = Spawn(chosen, args);
        var node = new NodeProcess(process, name, chosen, args);
        await node.WaitAliveAsync();
        return node;
    }

    /// <summary>SIGKILL and start again on the same port with the same arguments; returns once the process is spawned (not yet alive).</summary>
    public async Task RestartSpawnAsync()
    {
        await KillAsync();
        _process.Dispose();
        _process = Spawn(Port, Args);
        Attach(_process);
    }

    public async Task WaitAliveAsync(TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < (timeout ?? TimeSpan.FromSeconds(60)))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}: {Output}");
            }

            try
            {
                using var response = await Control.GetAsync(new Uri(BaseUri, "/alive"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"{Name} did not answer /alive: {Output}");
    }

    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGSTOP / SIGCONT: a hung process keeps its sockets open but answers nothing.</summary>
    public Task SignalAsync(string signal) => RunAsync("kill", $"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture));

    /// <summary>Resident set size from /proc/&lt;pid&gt;/status, in MB (MiB).</summary>
    public double RssMb()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        throw new InvalidOperationException("no VmRSS");
    }

    /// <summary>CPU time (user + system) the process has used so far, from /proc/&lt;pid&gt;/stat.</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    public async Task<(int Records, string Digest)> HoldingsAsync()
    {
        var info = await Control.GetFromJsonAsync<JsonElement>(new Uri(BaseUri, "/api/node"));
        return (info.GetProperty("records").GetInt32(), info.GetProperty("digest").GetString()!);
    }

    public async Task<JsonElement> NodeInfoAsync() => await Control.GetFromJsonAsync<JsonElement>(new Uri(BaseUri, "/api/node"));

    public async Task<string[]> PeersAsync() => (await Control.GetFromJsonAsync<string[]>(new Uri(BaseUri, "/peers")))!;

    public async Task<JsonElement> PeerDetailsAsync() => await Control.GetFromJsonAsync<JsonElement>(new Uri(BaseUri, "/api/peers"));

    /// <summary>POST /peer: this node dials <paramref name="address"/>.</summary>
    public async Task ConnectAsync(string address)
    {
        using var response = await Control.PostAsJsonAsync(new Uri(BaseUri, "/peer"), new { targetUrl = address });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{Name}: POST /peer {address} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async Task<bool> IsHealthyAsync()
    {
        try
        {
            using var response = await Control.GetAsync(new Uri(BaseUri, "/health"));
            return await response.Content.ReadAsStringAsync() == "Healthy";
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private static Process Spawn(int port, string[] args)
    {
        var start = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), .. args])
        {
            start.ArgumentList.Add(arg);
        }

        // Default settings, as users run the node (its appsettings.json keeps per-request logging off).
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        start.Environment.Remove("ASPNETCORE_URLS");
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the node");
    }

    private void Attach(Process process)
    {
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 100)
            {
                _output.Dequeue();
            }
        }
    }

    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }

        return await stdout;
    }
}
