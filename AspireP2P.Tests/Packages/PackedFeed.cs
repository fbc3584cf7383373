using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Packages;

/// <summary>
/// A folder outside the repository with a local feed of this repository's packages (packed at a version of this run's
/// own, so no earlier pack in a NuGet cache stands in for them), and a NuGet configuration that restores from that feed
/// and the configured source: public packages come from the machine's package cache (a fallback folder, read only);
/// the packed ones are restored afresh into a packages folder of the run's own, deleted with it.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public static readonly string[] PackageIds = ["AspireP2P.Hosting", "AspireP2P.Node", "AspireP2P.Testing"];

    /// <summary>One dotnet command (pack, restore and build, a run): generous, as the machine is shared.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(8);

    private PackedFeed(DirectoryInfo root, string version)
    {
        Root = root.FullName;
        Version = version;
    }

    public string Root { get; }

    public string Version { get; }

    public string Feed => Path.Combine(Root, "feed");

    public string Packages => Path.Combine(Root, "packages");

    public static DirectoryInfo CreateRoot() => Directory.CreateTempSubdirectory("aspirep2p-consumer-");

    /// <summary>Packs each package project of the repository into the feed; returns the feed and the time it took.</summary>
    public static async Task<(PackedFeed Feed, TimeSpan PackTime)> PackAsync(ITestOutputHelper output)
    {
        var repository = RepositoryRoot.Find() ?? throw new InvalidOperationException($"no AspireP2P.sln above {AppContext.BaseDirectory}");
        var root = CreateRoot();
        var feed = new PackedFeed(root, $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}");
        try
        {
            Directory.CreateDirectory(feed.Feed);
            var watch = Stopwatch.StartNew();
            foreach (var id in PackageIds)
            {
                await feed.DotnetAsync(output, repository, "pack", Path.Combine(repository, id, id + ".csproj"), "-o", feed.Feed, $"-p:Version={feed.Version}", "-nologo", "-v", "quiet");
            }

            return (feed, watch.Elapsed);
        }
        catch
        {
            feed.Dispose();
            throw;
        }
    }

    /// <summary>The package's files, by their path in the package.</summary>
    public IReadOnlyList<string> Files(string id)
    {
        using var package = ZipFile.OpenRead(Path.Combine(Feed, $"{id}.{Version}.nupkg"));
        return [.. package.Entries.Select(e => e.FullName)];
    }

    /// <summary>The package's nuspec.</summary>
    public string Nuspec(string id)
    {
        using var package = ZipFile.OpenRead(Path.Combine(Feed, $"{id}.{Version}.nupkg"));
        using var reader = new StreamReader(package.GetEntry($"{id}.nuspec")!.Open());
        return reader.ReadToEnd();
    }

    /// <summary>nuget.config for a consumer in this folder: the feed, the configured source, the package cache as a fallback.</summary>
    public void WriteNuGetConfig()
    {
        var shared = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Packages}" />
              </config>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{shared}" />
              </fallbackPackageFolders>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        // Nothing above this folder shapes its projects (no Directory.Build.* or central versions of another checkout).
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(Root, "Directory.Packages.props"), "<Project />");
    }

    /// <summary>Runs <c>dotnet</c> with the listed programs on PATH and this folder's packages; fails with its output unless it exits 0.</summary>
    public async Task<string> DotnetAsync(ITestOutputHelper output, string workingDirectory, params string[] arguments)
    {
        var start = TestTools.StartInfo("dotnet", arguments);
        start.WorkingDirectory = workingDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["NUGET_PACKAGES"] = Packages;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // The test host's own MSBuild settings would point the child's build at this SDK's copy in the test run.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        var text = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(CommandTimeout, TestContext.Current.CancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        output.WriteLine($"dotnet {string.Join(' ', arguments)}: exit {process.ExitCode} after {watch.Elapsed.TotalSeconds:0.0} s");
        var printed = text.ToString();
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{printed}");
        return printed;

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (text)
                {
                    text.AppendLine(line);
                }
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process of the consumer may still hold a file for a moment; the folder is in the temp directory.
        }
    }
}
