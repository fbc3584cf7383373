using System.Reflection;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>How the harness starts each kind of server it compares.</summary>
public sealed class Servers(CodeUnderTest code, string harnessRoot)
{
    /// <summary>Logging switched off entirely: every category the node's appsettings.json names, and the default.</summary>
    public static readonly IReadOnlyDictionary<string, string> LoggingOff = new Dictionary<string, string>
    {
        ["Logging__LogLevel__Default"] = "None",
        ["Logging__LogLevel__Microsoft"] = "None",
        ["Logging__LogLevel__Microsoft.AspNetCore"] = "None",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "None",
    };

    public static readonly IReadOnlyDictionary<string, string> LoggingAndTelemetryOff = new Dictionary<string, string>(LoggingOff)
    {
        ["OTEL_SDK_DISABLED"] = "true",
    };

    /// <summary>Our node as a user runs it on its own: the Release build, started with the tutorial's flags only.</summary>
    public Task<ServerProcess> OursAsync(string name, IReadOnlyDictionary<string, string>? environment = null, params string[] args) =>
        ServerProcess.StartAsync(name, code.ReleaseNode, ["--host", "127.0.0.1", "--port", "{port}", .. args], environment);

    /// <summary>Our node as the AppHost's default launch runs it (its Native AOT publish), started with the tutorial's flags only.</summary>
    public Task<ServerProcess> OursNativeAotAsync(string name, params string[] args) =>
        ServerProcess.StartAsync(name, code.NativeAotNode, ["--host", "127.0.0.1", "--port", "{port}", .. args], null);

    /// <summary>Our node as built or published some way (<see cref="NodeBuilds"/>), with the tutorial's flags and that build's runtime settings.</summary>
    public static Task<ServerProcess> BuildAsync(NodeBuild build, string name, int? port = null, params string[] args) =>
        ServerProcess.StartAsync(name, build.Binary, ["--host", "127.0.0.1", "--port", "{port}", .. args], build.Environment, port: port);

    /// <summary>The bare Kestrel endpoint, served by this harness's own binary in a process of its own, with the web SDK's server GC.</summary>
    public Task<ServerProcess> BareKestrelAsync()
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        string[] args = ["bare-kestrel", "--port", "{port}"];
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            args = [Assembly.GetExecutingAssembly().Location, .. args];
        }

        return ServerProcess.StartAsync("bare Kestrel", self, args, new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" });
    }

    /// <summary>
    /// The tutorial's own node (its final server.ts, unmodified) on Deno, as the seed interop tests run it: an import map
    /// points its two deno.land imports at local shims and <c>--no-remote</c> forbids any download.
    /// </summary>
    public Task<ServerProcess> TutorialAsync(string name, params string[] args)
    {
        var seed = Path.Combine(harnessRoot, "AspireP2P.Tests", "Seed");
        var denoDir = Path.Combine(DenoCache, Guid.NewGuid().ToString("N"));
        return ServerProcess.StartAsync(name, Deno(),
            ["run", "--allow-net=127.0.0.1,localhost", "--no-prompt", "--no-config", "--no-lock", "--no-remote", "--no-check",
             "--import-map=import_map.json", "tutorial/server.ts", "--host", "127.0.0.1", "--port", "{port}", .. args],
            new Dictionary<string, string> { ["DENO_DIR"] = denoDir, ["DENO_NO_UPDATE_CHECK"] = "1", ["NO_COLOR"] = "1" },
            workingDirectory: seed, readyPath: "/peers");
    }

    /// <summary>Deno's module caches, one per process (deleted after the comparison).</summary>
    public static string DenoCache { get; } = Path.Combine(Path.GetTempPath(), "aspirep2p-compare-deno");

    /// <summary>DENO_PATH, else deno on PATH, else the copy <c>npm install --prefix .ci/tools deno@2.9.6</c> installs.</summary>
    public string Deno()
    {
        if (Environment.GetEnvironmentVariable("DENO_PATH") is { Length: > 0 } configured)
        {
            return configured;
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "deno")).FirstOrDefault(File.Exists);
        var installed = Path.Combine(harnessRoot, ".ci", "tools", "node_modules", ".bin", "deno");
        return onPath ?? (File.Exists(installed) ? installed
            : throw new InvalidOperationException("Deno not found: run `npm install --prefix .ci/tools deno@2.9.6` from the repository root, or set DENO_PATH"));
    }
}
