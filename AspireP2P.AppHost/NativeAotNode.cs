using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AspireP2P.AppHost;

/// <summary>
/// The node published with Native AOT, for <c>--launch NativeAot</c>: published when the AppHost starts if the binary is
/// missing or older than the node the AppHost's build just built, and reused otherwise, so it costs a publish only after
/// the node changes. Needs the platform linker (on Linux: <c>apt-get install -y clang</c>).
/// </summary>
internal static class NativeAotNode
{
    private static readonly Lock Gate = new();
    private static string? _binary;

    /// <param name="projectDirectory">The node project's directory.</param>
    /// <param name="jitBinary">The node as the AppHost's build built it; the AOT binary must be newer than its assemblies.</param>
    public static string Binary(string projectDirectory, string jitBinary)
    {
        lock (Gate)
        {
            return _binary ??= PublishIfStale(projectDirectory, jitBinary);
        }
    }

    private static string PublishIfStale(string projectDirectory, string jitBinary)
    {
        var output = Path.Combine(projectDirectory, "bin", "NativeAot", RuntimeInformation.RuntimeIdentifier);
        var binary = Path.Combine(output, Path.GetFileName(jitBinary));
        var built = Directory.EnumerateFiles(Path.GetDirectoryName(jitBinary)!, "AspireP2P.*.dll").Select(File.GetLastWriteTimeUtc).DefaultIfEmpty().Max();
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= built)
        {
            return binary;
        }

        Console.WriteLine($"Publishing the node with Native AOT into {output} (a minute or two; again only after the node changes)…");
        var publish = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["publish", projectDirectory, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
            "-p:PublishAot=true", "--nologo", "-v", "q", "-o", output])
        {
            publish.ArgumentList.Add(arg);
        }

        using var process = Process.Start(publish) ?? throw new InvalidOperationException("could not start dotnet publish");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(binary))
        {
            throw new InvalidOperationException(
                $"Publishing the node with Native AOT failed (exit code {process.ExitCode}); it needs the platform linker (Linux: apt-get install -y clang). " +
                $"Run without --launch NativeAot to use the JIT node.{Environment.NewLine}{stdout.Result}{stderr.Result}");
        }

        // A publish that found nothing to do keeps the old timestamp; mark the binary as current for the next start.
        File.SetLastWriteTimeUtc(binary, DateTime.UtcNow);
        return binary;
    }
}
