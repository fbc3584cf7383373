using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Seed;

/// <summary>
/// The tutorial's own node: its final <c>server.ts</c>, unmodified, run by real Deno as a child process on a free
/// loopback port. <c>deno.land</c> is never contacted: an import map points the tutorial's two std imports at
/// our shims, and <c>--no-remote</c> makes any other remote import an error. Deno's cache lives in a temporary
/// directory that is deleted with the node.
/// </summary>
public sealed class SeedNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _denoDir;
    private readonly StringBuilder _output = new();
    private readonly Action<string>? _log;

    private SeedNode(Process process, string denoDir, int port, Action<string>? log)
    {
        _process = process;
        _denoDir = denoDir;
        _log = log;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeouts.Request };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, the form the tutorial's HANDSHAKE carries and its <c>--peers</c> takes.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public string WebSocketUrl => $"ws://127.0.0.1:{Port}";

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the seed printed so far (stdout and stderr): <c>on:open</c>, <c>on:close</c>, uncaught errors.</summary>
    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    /// <summary>Starts <c>deno run server.ts --host 127.0.0.1 --port N [args]</c> and waits until it answers HTTP.</summary>
    public static async Task<SeedNode> StartAsync(Action<string>? log, params string[] args)
    {
        var port = TestPorts.Reserve();
        var denoDir = Directory.CreateTempSubdirectory("aspirep2p-deno-").FullName;
        var node = new SeedNode(Launch(denoDir, port, args), denoDir, port, log);
        try
        {
            await node.WaitUntilListeningAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    public async Task<string> GetRawAsync(string path)
    {
        using var response = await Http.GetAsync(path).WaitAsync(Timeouts.Request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync().WaitAsync(Timeouts.Request);
    }

    /// <summary>GET /peers. The tutorial serializes its WebSocket objects, so each peer shows as <c>{}</c>.</summary>
    public async Task<int> GetPeerCountAsync()
    {
        using var peers = JsonDocument.Parse(await GetRawAsync("/peers"));
        return peers.RootElement.GetArrayLength();
    }

    /// <summary>GET /records as the JSON values the seed holds, in its order.</summary>
    public async Task<JsonElement[]> GetRecordsAsync()
    {
        using var records = JsonDocument.Parse(await GetRawAsync("/records"));
        return records.RootElement.EnumerateArray().Select(r => r.Clone()).ToArray();
    }

    public async Task<HttpResponseMessage> PostAsync(string path, string json) =>
        await Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json")).WaitAsync(Timeouts.Request);

    public Task<HttpResponseMessage> PostRecordAsync(string recordJson) => PostAsync("/record", $"{{\"record\":{recordJson}}}");

    public Task<HttpResponseMessage> PostPeerAsync(string targetUrl) => PostAsync("/peer", JsonSerializer.Serialize(new { targetUrl }));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(Timeouts.Stop);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _log?.Invoke($"--- seed node on port {Port} (exit code {(_process.HasExited ? _process.ExitCode : -1)}) printed:{Environment.NewLine}{Output}");
        _process.Dispose();
        try
        {
            Directory.Delete(_denoDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the temporary directory is the operating system's to clean up.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static Process Launch(string denoDir, int port, string[] args)
    {
        // Network access to loopback only; no config/lock file discovery; never fetch a remote module.
        var start = TestTools.StartInfo("deno",
        [
            "run", "--allow-net=127.0.0.1,localhost", "--no-prompt", "--no-config", "--no-lock", "--no-remote", "--no-check",
            "--import-map=import_map.json", "tutorial/server.ts", "--host", "127.0.0.1", "--port", port.ToString(), .. args,
        ]);
        start.WorkingDirectory = Deno.SeedDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["DENO_DIR"] = denoDir;
        start.Environment["DENO_NO_UPDATE_CHECK"] = "1";
        start.Environment["NO_COLOR"] = "1";
        return Process.Start(start) ?? throw new InvalidOperationException("could not start deno");
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + Timeouts.Start;
        using var probe = new HttpClient { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync().WaitAsync(Timeouts.Stop);
                throw new SeedExitedException($"the seed node exited with code {_process.ExitCode} before listening on port {Port}; it printed:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await probe.GetAsync("/peers");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the seed node did not answer GET /peers on port {Port} within {Timeouts.Start.TotalSeconds:0} s; it printed:{Environment.NewLine}{Output}");
            }

            await Task.Delay(20);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output) { _output.AppendLine(line); }
    }

    private sealed class SeedExitedException(string message) : Exception(message);
}
