using System.Diagnostics;
using AspireP2P.Benchmarks.Macro;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>
/// The checkout whose node and AppHost are measured: this repository by default, another directory (<c>--repo</c>),
/// or any commit of this repository (<c>--commit</c>, exported with <c>git archive</c> into a directory under /tmp, never
/// into the checkout),
/// so one harness measures before and after side by side.
/// </summary>
public sealed class CodeUnderTest
{
    private CodeUnderTest(string root, string description)
    {
        Root = root;
        Description = description;
    }

    public string Root { get; }
    public string Description { get; }

    /// <summary>The node as users run it on its own: the Release build (<c>dotnet build -c Release</c>).</summary>
    public string ReleaseNode => Path.Combine(Root, "AspireP2P.Node", "bin", "Release", "net10.0", "AspireP2P.Node");

    /// <summary>Whether this checkout's AppHost can run Native AOT nodes (<c>--launch NativeAot</c>).</summary>
    public bool SupportsNativeAotLaunch => HasNetworkFile("NativeAotNode.cs");

    /// <summary>The Native AOT node the AppHost's default launch runs once its publish is current (<see cref="NativeAotAsync"/> makes it so).</summary>
    public string NativeAotNode => Path.Combine(NativeAotDirectory, "AspireP2P.Node");

    /// <summary>Where the AppHost looks for the Native AOT node (AspireP2P.AppHost/NativeAotNode.cs).</summary>
    private string NativeAotDirectory => Path.Combine(Root, "AspireP2P.Node", "bin", "NativeAot", System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier);

    /// <summary>
    /// Whether this checkout's AppHost defaults to <c>--launch Auto</c> (Native AOT nodes once their publish is current,
    /// published in the background after a change): a measured start must find the publish current, or it would run the
    /// JIT nodes with a publish competing for the CPU.
    /// </summary>
    public bool HasAutoLaunch => HasNetworkFile("NodeLaunchPlan.cs");

    /// <summary>A file of the AppHost's network code: in the AppHost project before issue 24, in AspireP2P.Hosting since.</summary>
    private bool HasNetworkFile(string name) =>
        File.Exists(Path.Combine(Root, "AspireP2P.AppHost", name)) || File.Exists(Path.Combine(Root, "AspireP2P.Hosting", name));

    public bool HasAppHost => File.Exists(Path.Combine(Root, "AspireP2P.AppHost", "AspireP2P.AppHost.csproj"));

    public static async Task<CodeUnderTest> ResolveAsync(string harnessRoot, string? repo, string? commit)
    {
        if (repo is not null)
        {
            var full = Path.GetFullPath(repo);
            return File.Exists(Path.Combine(full, "AspireP2P.sln"))
                ? new CodeUnderTest(full, $"{full} ({await DescribeAsync(full)})")
                : throw new ArgumentException($"--repo {repo}: no AspireP2P.sln there");
        }

        if (commit is null)
        {
            return new CodeUnderTest(harnessRoot, $"this checkout ({await DescribeAsync(harnessRoot)})");
        }

        var sha = (await NodeProcess.RunAsync("git", "-C", harnessRoot, "rev-parse", "--short", commit)).Trim();
        var target = Path.Combine(Path.GetTempPath(), "aspirep2p-commits", sha);
        if (!File.Exists(Path.Combine(target, "AspireP2P.sln")))
        {
            Directory.CreateDirectory(target);
            await NodeProcess.RunAsync("sh", "-c", $"git -C '{harnessRoot}' archive {sha} | tar -x -C '{target}'");
        }

        return new CodeUnderTest(target, $"commit {sha} (git archive into {target})");
    }

    /// <summary>Builds the Release node alone (what a standalone comparison runs).</summary>
    public async Task BuildNodeAsync()
    {
        Console.WriteLine($"Building {Description}: the node (Release)…");
        await NodeProcess.RunAsync("dotnet", "build", "-c", "Release", "--nologo", "-v", "q", Path.Combine(Root, "AspireP2P.Node"));
    }

    /// <summary>Builds what is measured: the Release node, and the AppHost as <c>dotnet run</c> builds it (Debug, which builds its nodes).</summary>
    public async Task BuildAsync()
    {
        Console.WriteLine($"Building {Description}: the node (Release) and the AppHost (as dotnet run does)…");
        await NodeProcess.RunAsync("dotnet", "build", "-c", "Release", "--nologo", "-v", "q", Path.Combine(Root, "AspireP2P.Node"));
        if (HasAppHost)
        {
            await NodeProcess.RunAsync("dotnet", "build", "--nologo", "-v", "q", Path.Combine(Root, "AspireP2P.AppHost"));
        }
    }

    /// <summary>
    /// Publishes the Native AOT node where the AppHost's <c>--launch NativeAot</c> finds it, so no timed start includes
    /// the publish; returns how long the publish took (what the opt-in costs after each change to the node).
    /// </summary>
    public async Task<double> PublishNativeAotAsync()
    {
        Console.WriteLine("Publishing the node with Native AOT for --launch NativeAot…");
        var seconds = await TimeAsync("dotnet", "publish", Path.Combine(Root, "AspireP2P.Node"), "-c", "Release", "-r",
            System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier, "-p:PublishAot=true", "--nologo", "-v", "q", "-o", NativeAotDirectory);
        File.SetLastWriteTimeUtc(Path.Combine(NativeAotDirectory, "AspireP2P.Node"), DateTime.UtcNow);
        return seconds;
    }

    private Task<(double? Seconds, string? Error)>? _nativeAot;
    private bool _defaultLaunchNoted;

    /// <summary>
    /// With <c>--launch Auto</c> the default: makes the Native AOT publish current once per run (timed: what the default
    /// launch spends in the background after each change to the node), so every measured AppHost start runs what a
    /// developer's second start runs, with no publish competing for the CPU.
    /// </summary>
    public async Task EnsureDefaultLaunchReadyAsync(Macro.Report report)
    {
        if (!HasAutoLaunch || _defaultLaunchNoted)
        {
            return;
        }

        _defaultLaunchNoted = true;
        var (seconds, error) = await NativeAotAsync();
        if (seconds is { } s)
        {
            report.Add("launch.default.publish", "The default launch's Native AOT publish after a change to the node, with one node's start (in the background of the first start after the change)", "s").Runs.Add(s);
        }
        else
        {
            report.Notes.Add($"the default launch (Auto) runs the JIT build: {error}");
        }
    }

    /// <summary>The Native AOT publish, once per run: its duration, or why it failed (then the NativeAot figures are skipped).</summary>
    public Task<(double? Seconds, string? Error)> NativeAotAsync() => _nativeAot ??= TryPublishNativeAotAsync();

    private async Task<(double? Seconds, string? Error)> TryPublishNativeAotAsync()
    {
        if (!SupportsNativeAotLaunch)
        {
            return (null, "this checkout's AppHost has no --launch NativeAot");
        }

        try
        {
            return (HasAutoLaunch ? await PublishThroughAppHostAsync() : await PublishNativeAotAsync(), null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            return (null, $"the Native AOT publish failed, so the NativeAot figures are skipped: {ex.Message.Split(Environment.NewLine).FirstOrDefault(l => l.Contains("error", StringComparison.Ordinal)) ?? ex.Message}");
        }
    }

    /// <summary>
    /// The AppHost's own publish (<c>--launch NativeAot</c> publishes when stale and waits; one node, stopped once healthy),
    /// so the record of what it published from is the AppHost's own.
    /// </summary>
    private async Task<double> PublishThroughAppHostAsync()
    {
        Console.WriteLine("Making the Native AOT publish current (the AppHost with --launch NativeAot, one node)…");
        var clock = Stopwatch.StartNew();
        await using var run = AppHostRun.Start(Root, 1, ["--launch", "NativeAot"]);
        await run.WaitHealthyAsync(TimeSpan.FromMinutes(30));
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// What <c>dotnet run --project AspireP2P.AppHost</c> spends building: on a fresh copy of the sources (NuGet's
    /// package cache as it is on this machine), again after one node source file changed, and again with nothing changed.
    /// </summary>
    public async Task<(double Fresh, double AfterEdit, double NoChange)> MeasureBuildAsync()
    {
        var copy = Directory.CreateTempSubdirectory("aspirep2p-fresh-").FullName;
        try
        {
            // The sources only, as a clone has them: no bin/, obj/ or benchmark results.
            await NodeProcess.RunAsync("sh", "-c",
                $"cd '{Root}' && tar -c --exclude=bin --exclude=obj --exclude=benchmark-results --exclude=.ci/tools --exclude=.git . | tar -x -C '{copy}'");
            var appHost = Path.Combine(copy, "AspireP2P.AppHost");
            var fresh = await TimeAsync("dotnet", "build", "--nologo", "-v", "q", appHost);
            var source = Directory.EnumerateFiles(Path.Combine(copy, "AspireP2P.Node"), "*.cs", SearchOption.AllDirectories).First();
            await File.AppendAllTextAsync(source, Environment.NewLine + "// edited" + Environment.NewLine);
            var afterEdit = await TimeAsync("dotnet", "build", "--nologo", "-v", "q", appHost);
            var noChange = await TimeAsync("dotnet", "build", "--nologo", "-v", "q", appHost);
            return (fresh, afterEdit, noChange);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static async Task<double> TimeAsync(string file, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        await NodeProcess.RunAsync(file, args);
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<string> DescribeAsync(string root)
    {
        try
        {
            var head = (await NodeProcess.RunAsync("git", "-C", root, "rev-parse", "--short", "HEAD")).Trim();
            var dirty = (await NodeProcess.RunAsync("git", "-C", root, "status", "--porcelain", "--untracked-files=no")).Trim().Length > 0;
            return dirty ? $"{head} with uncommitted changes" : head;
        }
        catch (InvalidOperationException)
        {
            return "not a git checkout";
        }
    }
}
