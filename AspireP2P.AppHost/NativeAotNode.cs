using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AspireP2P.AppHost;

/// <summary>
/// The node published with Native AOT, for <c>--launch NativeAot</c>: published when the AppHost starts if the binary is
/// missing or older than the node the AppHost's build just built, and reused otherwise, so it costs a publish only after
/// the node changes. The publish links the node with the machine's C toolchain: <c>clang</c>, or <c>gcc</c> when there is
/// no clang, and <c>objcopy</c> (binutils); its output is shown as it runs, with a line every 15 s saying how long so far.
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

        // Compiling the whole node to native code takes minutes on a busy machine (5½ min was seen on the shared 2-core
        // one), with nothing printed for most of it: the publish's own lines are shown, and a line every 15 s.
        Console.WriteLine($"Publishing the node with Native AOT into {output}: the whole node is compiled to native code, which takes minutes; "
            + "only the first time and after the node changes. --launch Executable starts the JIT node at once.");
        var publish = new ProcessStartInfo("dotnet");
        foreach (var arg in (string[])["publish", projectDirectory, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
            "-p:PublishAot=true", "--nologo", "-v", "minimal", "-o", output])
        {
            publish.ArgumentList.Add(arg);
        }

        var started = Stopwatch.GetTimestamp();
        var (exitCode, tail) = VisibleProcess.RunAsync(publish, "  native publish: ", Console.Out, TimeProvider.System, TimeSpan.FromSeconds(15), CancellationToken.None)
            .GetAwaiter().GetResult();
        if (exitCode != 0 || !File.Exists(binary))
        {
            throw new InvalidOperationException(
                $"Publishing the node with Native AOT failed (exit code {exitCode}); it needs a C toolchain: clang, or gcc when there is no clang, "
                + $"and objcopy (Debian: apt-get install -y clang binutils). Run without --launch NativeAot to use the JIT node.{Environment.NewLine}{string.Join(Environment.NewLine, tail)}");
        }

        Console.WriteLine($"Published the node with Native AOT in {VisibleProcess.Elapsed(Stopwatch.GetElapsedTime(started))}.");

        // A publish that found nothing to do keeps the old timestamp; mark the binary as current for the next start.
        File.SetLastWriteTimeUtc(binary, DateTime.UtcNow);
        return binary;
    }
}
