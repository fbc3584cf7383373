using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AspireP2P.Hosting;

/// <summary>
/// The node published with Native AOT, in <c>AspireP2P.Node/bin/NativeAot/&lt;rid&gt;/</c>. It is current when it was
/// published from the node the AppHost's build just built: a publish records a hash of that build's assemblies, which are
/// deterministic, so a rebuild that changed nothing (a restore for another runtime rewrites the assets file and makes
/// MSBuild compile again) keeps the publish current, and any change to the node's code makes it stale. A publish goes to a directory of its own and its
/// binary and native libraries are renamed into place at the end, so a node never starts from a half-written file.
/// Linking needs <c>clang</c> or, failing that, <c>gcc</c> on PATH (the ILCompiler package falls back to gcc), and
/// binutils' <c>objcopy</c>.
/// </summary>
internal static class NativeAotNode
{
    /// <param name="projectDirectory">The node project's directory.</param>
    /// <param name="jitBinary">The node as the AppHost's build built it; the AOT binary must be newer than its assemblies.</param>
    public static string BinaryPath(string projectDirectory, string jitBinary) =>
        Path.Combine(OutputDirectory(projectDirectory), Path.GetFileName(jitBinary));

    public static bool IsCurrent(string projectDirectory, string jitBinary)
    {
        var marker = MarkerPath(projectDirectory);
        return File.Exists(BinaryPath(projectDirectory, jitBinary)) && File.Exists(marker)
            && File.ReadAllText(marker).Trim() == BuildHash(jitBinary);
    }

    /// <summary>SHA-256 over the node's own assemblies as the AppHost's build built them, by name.</summary>
    internal static string BuildHash(string jitBinary)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var assembly in Directory.EnumerateFiles(Path.GetDirectoryName(jitBinary)!, "AspireP2P.*.dll").Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(assembly)));
            hash.AppendData(File.ReadAllBytes(assembly));
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Records which build of the node the binary in place was published from (<see cref="BuildHash"/>).</summary>
    internal static void RecordPublishedFrom(string projectDirectory, string buildHash) =>
        File.WriteAllText(MarkerPath(projectDirectory), buildHash);

    private static string MarkerPath(string projectDirectory) => Path.Combine(OutputDirectory(projectDirectory), "published-from.sha256");

    /// <summary>
    /// Publishes the node with Native AOT and moves the binary into place; returns the binary's path. Throws with the
    /// publish's last lines when it fails. In the foreground (<c>--launch NativeAot</c>, whose start waits for it) the
    /// publish's own lines are shown as they come, with a line every 15 s saying how long so far: compiling the whole
    /// node to native code takes minutes on a busy machine (5½ min was seen on the shared 2-core one). In the background
    /// (<paramref name="lowPriority"/>: under <c>nice -n 19</c> while nodes run) it is quiet but for its result.
    /// </summary>
    public static async Task<string> PublishAsync(string projectDirectory, string jitBinary, bool lowPriority, CancellationToken cancellationToken)
    {
        var output = OutputDirectory(projectDirectory);
        var staging = output + ".publishing";
        var builtFrom = BuildHash(jitBinary); // before the publish: an edit built meanwhile makes the result stale, not current
        string[] publish = ["publish", projectDirectory, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
            "-p:PublishAot=true", "--nologo", "-v", "minimal", "-o", staging];
        var start = lowPriority && OperatingSystem.IsLinux() && File.Exists("/usr/bin/nice")
            ? new ProcessStartInfo("/usr/bin/nice", ["-n", "19", "dotnet", .. publish])
            : new ProcessStartInfo("dotnet", publish);
        var began = Stopwatch.GetTimestamp();
        var (exitCode, tail) = await VisibleProcess.RunAsync(
            start, "  native publish: ", lowPriority ? TextWriter.Null : Console.Out, TimeProvider.System, TimeSpan.FromSeconds(15), cancellationToken)
            .ConfigureAwait(false);
        var staged = Path.Combine(staging, Path.GetFileName(jitBinary));
        if (exitCode != 0 || !File.Exists(staged))
        {
            throw new InvalidOperationException(
                $"Publishing the node with Native AOT failed (exit code {exitCode}); linking needs clang, or gcc when there is no clang, " +
                $"and objcopy (Debian: apt-get install -y gcc binutils). Run with --launch Executable to use the JIT node.{Environment.NewLine}" +
                string.Join(Environment.NewLine, tail));
        }

        // The native libraries it loads (libsodium, SQLite) first, then the binary: a start that sees the new binary
        // finds its libraries beside it. Symbols (.dbg) and documentation stay in the staging directory.
        Directory.CreateDirectory(output);
        foreach (var library in Directory.EnumerateFiles(staging, "*.so"))
        {
            File.Copy(library, Path.Combine(output, Path.GetFileName(library)) + ".new", overwrite: true);
            File.Move(Path.Combine(output, Path.GetFileName(library)) + ".new", Path.Combine(output, Path.GetFileName(library)), overwrite: true);
        }

        var binary = BinaryPath(projectDirectory, jitBinary);
        File.Copy(staged, binary + ".new", overwrite: true);
        File.Move(binary + ".new", binary, overwrite: true);
        RecordPublishedFrom(projectDirectory, builtFrom);
        if (!lowPriority)
        {
            Console.WriteLine($"Published the node with Native AOT in {VisibleProcess.Elapsed(Stopwatch.GetElapsedTime(began))}.");
        }

        return binary;
    }

    private static string OutputDirectory(string projectDirectory) =>
        Path.Combine(projectDirectory, "bin", "NativeAot", RuntimeInformation.RuntimeIdentifier);
}
