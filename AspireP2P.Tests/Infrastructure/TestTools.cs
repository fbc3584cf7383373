using System.Diagnostics;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>One program of <c>eng/test-tools.tsv</c>: its name, where <c>./build.sh --test</c> gets it, what starts it.</summary>
public sealed record TestTool(string Program, string Source, string StartedBy)
{
    /// <summary>How to get it by hand; <c>./build.sh --test</c> does this when it is missing.</summary>
    public string InstallCommand => Source switch
    {
        "sdk" => "install the .NET SDK that global.json names",
        _ when Source.StartsWith("apt:", StringComparison.Ordinal) => $"apt-get install -y {Source["apt:".Length..]}",
        _ when Source.StartsWith("npm:", StringComparison.Ordinal) => $"npm install --prefix .ci/tools {Source["npm:".Length..]}",
        _ when Source.StartsWith("dotnet-tool:", StringComparison.Ordinal) && Source["dotnet-tool:".Length..].Split('@') is [var id, var version] =>
            $"dotnet tool install {id} --version {version} --tool-path .ci/tools/{Program}",
        _ => $"see eng/test-tools.tsv ({Source})",
    };
}

/// <summary>
/// The programs the tests start, and the only way they start one. Every program comes from <c>eng/test-tools.tsv</c>
/// (copied next to the tests), which <c>./build.sh --test</c> installs from and links into <c>.ci/tools/bin</c>; a child
/// process gets <c>PATH</c> = that directory alone, so a script that runs a program nobody listed fails with "command
/// not found" on every machine, not only on a fresh one. Run without build.sh (plain <c>dotnet test</c>), the tests make a
/// directory of their own with the listed programs this machine has.
/// </summary>
public static class TestTools
{
    public const string ListFile = "test-tools.tsv";

    private static readonly Lazy<IReadOnlyDictionary<string, TestTool>> ListedTools = new(ReadList);
    private static readonly Lazy<string> LinkDirectory = new(FindOrLinkDirectory);

    /// <summary>The list, by program.</summary>
    public static IReadOnlyDictionary<string, TestTool> Listed => ListedTools.Value;

    /// <summary>The directory that holds a link to each listed program: the <c>PATH</c> of every process the tests start.</summary>
    public static string Directory => LinkDirectory.Value;

    /// <summary>The listed program's path; fails with how to install it when this machine lacks it.</summary>
    public static string PathOf(string program)
    {
        var tool = Listed.TryGetValue(program, out var listed)
            ? listed
            : throw new InvalidOperationException($"'{program}' is not in eng/test-tools.tsv: add it there (program, source, who starts it), so ./build.sh --test installs it and the README lists it.");
        var path = System.IO.Path.Combine(Directory, program);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"{program} is missing on this machine ({tool.StartedBy} needs it): ./build.sh --test installs it ({tool.InstallCommand}).");
    }

    /// <summary>Starts a listed program with <c>PATH</c> = the listed programs alone.</summary>
    public static ProcessStartInfo StartInfo(string program, params IEnumerable<string> arguments) => Prepare(PathOf(program), arguments);

    /// <summary>Starts a program this build made (in the test output), with <c>PATH</c> = the listed programs alone.</summary>
    public static ProcessStartInfo StartInfoForBuilt(string fileName, params IEnumerable<string> arguments)
    {
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(AppContext.BaseDirectory, fileName));
        return path.StartsWith(AppContext.BaseDirectory, StringComparison.Ordinal) && File.Exists(path)
            ? Prepare(path, arguments)
            : throw new InvalidOperationException($"{fileName} is not a program of this build's output ({AppContext.BaseDirectory})");
    }

    private static ProcessStartInfo Prepare(string path, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(path) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PATH"] = Directory;
        return start;
    }

    private static Dictionary<string, TestTool> ReadList()
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, ListFile);
        return File.ReadLines(path)
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('\t') is [var program, var source, var startedBy]
                ? new TestTool(program, source, startedBy)
                : throw new InvalidDataException($"eng/test-tools.tsv: '{line}' is not three tab-separated columns"))
            .ToDictionary(tool => tool.Program, StringComparer.Ordinal);
    }

    /// <summary>build.sh's directory when it made one (<c>P2P_TOOLS_BIN</c>), else one of this run's own.</summary>
    private static string FindOrLinkDirectory()
    {
        if (Environment.GetEnvironmentVariable("P2P_TOOLS_BIN") is { Length: > 0 } made)
        {
            return made;
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("aspirep2p-tools-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Only links to programs: a leftover costs nothing.
            }
        };
        foreach (var tool in Listed.Values)
        {
            if (Locate(tool) is { } target)
            {
                File.CreateSymbolicLink(System.IO.Path.Combine(directory, tool.Program), target);
            }
        }

        return directory;
    }

    /// <summary>Where this machine has the program: a developer's override, what build.sh installed, else the PATH.</summary>
    private static string? Locate(TestTool tool)
    {
        var overridden = tool.Program switch
        {
            "deno" => Environment.GetEnvironmentVariable("DENO_PATH"),
            "chromium" => Environment.GetEnvironmentVariable("P2P_CHROMIUM"),
            "aspire" => Environment.GetEnvironmentVariable("ASPIRE_CLI"),
            _ => null,
        };
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden;
        }

        var root = RepositoryRoot.Find();
        string[] installed = root is null
            ? []
            : tool.Source.StartsWith("npm:", StringComparison.Ordinal) ? [System.IO.Path.Combine(root, ".ci", "tools", "node_modules", ".bin", tool.Program)]
            : tool.Source.StartsWith("dotnet-tool:", StringComparison.Ordinal) ? [System.IO.Path.Combine(root, ".ci", "tools", tool.Program, tool.Program)]
            : [];
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .Select(dir => System.IO.Path.Combine(dir, tool.Program));
        return installed.Concat(onPath).FirstOrDefault(File.Exists);
    }
}
