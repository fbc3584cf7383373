using System.Diagnostics;
using System.Runtime.InteropServices;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>One way to run the node: a binary (built or published some way) and the runtime settings it gets.</summary>
public sealed record NodeBuild(string Id, string Name, string Binary, IReadOnlyDictionary<string, string> Environment, double? PublishSeconds, double? RepublishSeconds);

/// <summary>
/// The node built and published the ways issue 22 compares for fresh processes: the Debug build (what the AppHost ran),
/// the Release build with the runtime's tiering knobs, ReadyToRun (framework-dependent, and self-contained composite) and
/// Native AOT. Publishes go to a directory under /tmp; each is timed, and timed again after touching one node source file
/// (what a developer who edits and runs pays each time).
/// </summary>
public static class NodeBuilds
{
    private static readonly Dictionary<string, string> None = [];

    public static readonly string[] All = ["debug", "jit", "pgo", "loops", "quickjit-off", "tc-off", "r2r", "r2r-tc-off", "r2r-composite", "aot"];

    public static async Task<NodeBuild> PrepareAsync(CodeUnderTest code, string id, bool build)
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var node = Path.Combine(code.Root, "AspireP2P.Node");
        var published = Path.Combine(Path.GetTempPath(), "aspirep2p-launch");
        switch (id)
        {
            case "debug":
                if (build)
                {
                    await NodeProcess.RunAsync("dotnet", "build", "--nologo", "-v", "q", node);
                }

                return new(id, "Debug build, JIT (what dotnet run builds)", Path.Combine(node, "bin", "Debug", "net10.0", "AspireP2P.Node"), None, null, null);
            case "jit":
                return new(id, "Release build, JIT, the project's settings (TieredPGO off)", code.ReleaseNode, None, null, null);
            case "pgo":
                return new(id, "…with TieredPGO on (DOTNET_TieredPGO=1)", code.ReleaseNode, Env("DOTNET_TieredPGO", "1"), null, null);
            case "loops":
                return new(id, "…with loops jitted optimized at once (DOTNET_TC_QuickJitForLoops=0)", code.ReleaseNode, Env("DOTNET_TC_QuickJitForLoops", "0"), null, null);
            case "quickjit-off":
                return new(id, "…with methods that have no ReadyToRun code jitted optimized at once (DOTNET_TC_QuickJit=0)", code.ReleaseNode, Env("DOTNET_TC_QuickJit", "0"), null, null);
            case "tc-off":
                return new(id, "…with tiered compilation off (DOTNET_TieredCompilation=0)", code.ReleaseNode, Env("DOTNET_TieredCompilation", "0"), null, null);
            case "r2r":
            case "r2r-tc-off":
            {
                var dir = Path.Combine(published, "r2r");
                var (first, again) = await PublishAsync(node, dir, build && id == "r2r", "--self-contained", "false", "-p:PublishReadyToRun=true");
                return new(id, id == "r2r" ? "ReadyToRun (framework-dependent publish)" : "ReadyToRun, tiered compilation off",
                    Path.Combine(dir, "AspireP2P.Node"), id == "r2r" ? None : Env("DOTNET_TieredCompilation", "0"), first, again);
            }

            case "r2r-composite":
            {
                var dir = Path.Combine(published, "r2r-composite");
                var (first, again) = await PublishAsync(node, dir, build, "--self-contained", "true", "-p:PublishReadyToRun=true", "-p:PublishReadyToRunComposite=true");
                return new(id, "ReadyToRun composite, self-contained (framework compiled in)", Path.Combine(dir, "AspireP2P.Node"), None, first, again);
            }

            case "aot":
            {
                var dir = Path.Combine(published, "aot");
                var (first, again) = await PublishAsync(node, dir, build, "-p:PublishAot=true");
                return new(id, "Native AOT", Path.Combine(dir, "AspireP2P.Node"), None, first, again);
            }

            default:
                throw new ArgumentException($"unknown node build '{id}' (builds: {string.Join(',', All)})");
        }

        static Dictionary<string, string> Env(string key, string value) => new() { [key] = value };

        async Task<(double?, double?)> PublishAsync(string project, string output, bool publish, params string[] args)
        {
            if (!publish && File.Exists(Path.Combine(output, "AspireP2P.Node")))
            {
                return (null, null);
            }

            string[] command = ["publish", project, "-c", "Release", "-r", rid, "--nologo", "-v", "q", "-o", output, .. args];
            var first = await TimeAsync(command);
            // What a developer pays after each edit: touch one node source file and publish again.
            var source = Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories).First(f => !f.Contains("/obj/", StringComparison.Ordinal));
            File.SetLastWriteTimeUtc(source, DateTime.UtcNow);
            var again = await TimeAsync(command);
            return (first, again);
        }
    }

    private static async Task<double> TimeAsync(string[] args)
    {
        var clock = Stopwatch.StartNew();
        await NodeProcess.RunAsync("dotnet", args);
        return clock.Elapsed.TotalSeconds;
    }
}
