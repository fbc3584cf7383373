using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// A node as its own operating-system process (the built AspireP2P.Node), for tests that kill and restart
/// nodes: <see cref="KillAsync"/> is SIGKILL, with no chance to flush or say goodbye.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private NodeProcess(Process process, string name, string host, int port)
    {
        _process = process;
        Name = name;
        Host = host;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://{host}:{port}"), Timeout = Timeouts.Request };
    }

    public string Name { get; }

    public string Host { get; }

    public int Port { get; }

    /// <summary><c>host:port</c>, the form the node's flags and HANDSHAKE use.</summary>
    public string Address => $"{Host}:{Port}";

    public HttpClient Http { get; }

    /// <summary>Whether the process has ended (killed, or stopped by itself).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary><c>ws://host:port</c>: where a peer dials it.</summary>
    public Uri WebSocketUri => new($"ws://{Host}:{Port}");

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>
    /// The node the tests run: the AspireP2P.Node.dll next to the tests, or the one <c>P2P_NODE_DLL</c> names (another build,
    /// e.g. an older commit's, to show that a regression test fails there).
    /// </summary>
    public static string NodeDll { get; } =
        Environment.GetEnvironmentVariable("P2P_NODE_DLL") is { Length: > 0 } other ? other : Path.Combine(AppContext.BaseDirectory, "AspireP2P.Node.dll");

    public static Task<NodeProcess> StartAsync(string name, int port, params string[] args) =>
        StartAsync(name, networkNamespace: null, "127.0.0.1", port, args);

    /// <summary>Starts the node with extra environment variables and, optionally, under a command such as <c>faketime -f -1h</c>.</summary>
    public static Task<NodeProcess> StartAsync(NodeLaunch launch, string name, int port, params string[] args) =>
        StartAsync(name, networkNamespace: null, "127.0.0.1", port, args, launch);

    /// <summary>Starts the node inside a Linux network namespace (<c>ip netns exec</c>), listening on <paramref name="host"/>.</summary>
    public static Task<NodeProcess> StartAsync(string name, string? networkNamespace, string host, int port, params string[] args) =>
        StartAsync(name, networkNamespace, host, port, args, launch: null);

    private static async Task<NodeProcess> StartAsync(string name, string? networkNamespace, string host, int port, string[] args, NodeLaunch? launch)
    {
        // Each program of the chain (ip, faketime, dotnet) execs the next through PATH, which holds the listed programs only.
        string[] command = [.. networkNamespace is null ? [] : (string[])["ip", "netns", "exec", networkNamespace], .. launch?.Under ?? [], "dotnet"];
        var start = TestTools.StartInfo(command[0], [.. command[1..], NodeDll, "--host", host, "--port", port.ToString(), .. args]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (variable, value) in launch?.Environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the node process");
        var node = new NodeProcess(process, name, host, port);
        process.OutputDataReceived += (_, e) => node.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => node.Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Eventually.UntilAsync(node.IsAliveAsync, Timeouts.Start, $"{name} ({host}:{port}) to answer /alive; output: {node.Output}");
        return node;
    }

    public string Output
    {
        get { lock (_output) { return string.Join(Environment.NewLine, _output); } }
    }

    public async Task<bool> IsAliveAsync()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}: {Output}");
        }

        try
        {
            using var response = await Http.GetAsync("/alive");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<bool> IsHealthyAsync()
    {
        using var response = await Http.GetAsync("/health");
        return await response.Content.ReadAsStringAsync() == "Healthy";
    }

    public async Task<JsonElement> GetNodeInfoAsync() => await Http.GetFromJsonAsync<JsonElement>("/api/node");

    public async Task<(int Records, string Digest)> GetHoldingsAsync()
    {
        var info = await GetNodeInfoAsync();
        return (info.GetProperty("records").GetInt32(), info.GetProperty("digest").GetString()!);
    }

    public async Task<string[]> GetPeersAsync() => (await Http.GetFromJsonAsync<string[]>("/peers"))!;

    /// <summary>SIGKILL: the process gets no chance to flush or close its links.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(Timeouts.Stop);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
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
            if (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
    }
}
