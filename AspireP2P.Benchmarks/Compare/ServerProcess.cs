using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>
/// One server under test as an operating-system process on 127.0.0.1: our node, the tutorial's Deno node or the bare
/// Kestrel endpoint. Counts the lines it prints (our node's log lines) and reads its CPU time and RSS from /proc.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>Variables a developer's shell or a parent AppHost may have set that would change what is measured.</summary>
    private static readonly string[] Inherited =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SDK_DISABLED", "ASPNETCORE_URLS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT",
        "DOTNET_gcServer", "DOTNET_TieredPGO", "DOTNET_TieredCompilation", "DOTNET_TC_QuickJitForLoops", "DOTNET_ReadyToRun",
    ];

    private readonly Process _process;
    private readonly Stopwatch _sinceSpawn;
    private long _lines;

    private ServerProcess(Process process, string name, int port, Stopwatch sinceSpawn)
    {
        _sinceSpawn = sinceSpawn;
        _process = process;
        Name = name;
        Port = port;
        process.OutputDataReceived += (_, e) => Count(e.Data);
        process.ErrorDataReceived += (_, e) => Count(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int Port { get; }
    public int Pid => _process.Id;
    public string Address => $"127.0.0.1:{Port}";
    public Uri BaseUri => new($"http://127.0.0.1:{Port}");
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>From the spawn until the process first answered its ready path (/alive for our node).</summary>
    public TimeSpan ReadyAfter { get; private set; }

    public static async Task<ServerProcess> StartAsync(string name, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, string readyPath = "/alive", int? port = null, bool exactEnvironment = false)
    {
        // A port of the range can be taken between the check and the bind (the kernel's ephemeral ports for outgoing
        // connections overlap most ranges): a server on a port of our choosing gets two more ports before it fails.
        for (var attempt = 1; port is null && attempt < 3; attempt++)
        {
            try
            {
                return await StartOnceAsync(name, file, args, environment, workingDirectory, readyPath, Ports.Free(), exactEnvironment);
            }
            catch (ExitedEarlyException)
            {
                // Try the next port.
            }
        }

        return await StartOnceAsync(name, file, args, environment, workingDirectory, readyPath, port ?? Ports.Free(), exactEnvironment);
    }

    private static async Task<ServerProcess> StartOnceAsync(string name, string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment,
        string? workingDirectory, string readyPath, int chosen, bool exactEnvironment)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(file) ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg.Replace("{port}", chosen.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        foreach (var variable in exactEnvironment ? start.Environment.Keys.ToArray() : Inherited)
        {
            start.Environment.Remove(variable);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var server = new ServerProcess(process, name, chosen, clock);
        try
        {
            await server.WaitReadyAsync(readyPath);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>user + system CPU time so far, from /proc/&lt;pid&gt;/stat.</summary>
    public TimeSpan CpuTime() => ProcFs.CpuTime(Pid);

    public double RssMb() => ProcFs.RssMb(Pid);

    public async Task<T?> GetAsync<T>(string path) => await Http.Client.GetFromJsonAsync<T>(new Uri(BaseUri, path));

    /// <summary>POST /peer: this server dials <paramref name="address"/> (the tutorial's API, which ours keeps).</summary>
    public async Task ConnectAsync(string address)
    {
        using var response = await Http.Client.PostAsJsonAsync(new Uri(BaseUri, "/peer"), new { targetUrl = address });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{Name}: POST /peer {address} answered {(int)response.StatusCode}");
        }
    }

    public async Task<int> PeerCountAsync()
    {
        using var peers = JsonDocument.Parse(await Http.Client.GetStringAsync(new Uri(BaseUri, "/peers")));
        return peers.RootElement.GetArrayLength();
    }

    public async Task<int> RecordCountAsync()
    {
        using var records = JsonDocument.Parse(await Http.Client.GetStreamAsync(new Uri(BaseUri, "/records")));
        return records.RootElement.GetArrayLength();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }

        _process.Dispose();
    }

    private async Task WaitReadyAsync(string path)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new ExitedEarlyException($"{Name} exited with code {_process.ExitCode} before answering {path}");
            }

            try
            {
                using var response = await Http.Client.GetAsync(new Uri(BaseUri, path));
                if (response.IsSuccessStatusCode)
                {
                    ReadyAfter = _sinceSpawn.Elapsed;
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{Name} did not answer {path} within 60 s");
    }

    private void Count(string? line)
    {
        if (line is not null)
        {
            Interlocked.Increment(ref _lines);
        }
    }
}

/// <summary>A server process that exited before it answered (a port taken at the last moment, a crash at start).</summary>
public sealed class ExitedEarlyException(string message) : InvalidOperationException(message);
