using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Seed;

/// <summary>
/// Finds the Deno executable that runs the tutorial's node: <c>DENO_PATH</c>, else <c>deno</c> on PATH, else the
/// copy <c>./build.sh --test</c> installs under <c>.ci/tools</c>. The seed tests fail (they never skip) when none is found.
/// </summary>
internal static class Deno
{
    public const string Version = "2.9.6";
    public const string InstallCommand = "npm install --prefix .ci/tools deno@" + Version;

    private static readonly Lazy<string> Path = new(Locate);

    public static string Executable => Path.Value;

    /// <summary>Where the tutorial's code, our shims and the import map are copied in the test output.</summary>
    public static string SeedDirectory => System.IO.Path.Combine(AppContext.BaseDirectory, "Seed");

    private static string Locate()
    {
        var looked = new List<string>();
        var fromEnvironment = Environment.GetEnvironmentVariable("DENO_PATH");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? fromEnvironment
                : throw new InvalidOperationException(
                    $"DENO_PATH is set to '{fromEnvironment}', which does not exist. Point it at a deno {Version} executable, "
                    + $"or unset it and run `{InstallCommand}` from the repository root.");
        }

        looked.Add("DENO_PATH (not set)");

        var name = OperatingSystem.IsWindows() ? "deno.exe" : "deno";
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        looked.Add("deno on PATH");
        var root = RepositoryRoot.Find();
        if (root is not null)
        {
            var installed = System.IO.Path.Combine(root, ".ci", "tools", "node_modules", ".bin", OperatingSystem.IsWindows() ? "deno.cmd" : "deno");
            if (File.Exists(installed))
            {
                return installed;
            }

            looked.Add(installed);
        }

        throw new InvalidOperationException(
            $"Deno is needed to run the tutorial's own server.ts and was not found (looked at: {string.Join("; ", looked)}). "
            + $"Install it from the repository root with `{InstallCommand}` (what ./build.sh --test does), put deno {Version} on PATH, "
            + "or set DENO_PATH to the deno executable.");
    }
}
