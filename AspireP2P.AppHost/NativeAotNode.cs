using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AspireP2P.AppHost;

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
    /// publish's output when it fails. <paramref name="lowPriority"/>: under <c>nice -n 19</c> (a publish in the
    /// background while nodes run).
    /// </summary>
    public static async Task<string> PublishAsync(string projectDirectory, string jitBinary, bool lowPriority, CancellationToken cancellationToken)
    {
        var output = OutputDirectory(projectDirectory);
        var staging = output + ".publishing";
        var builtFrom = BuildHash(jitBinary); // before the publish: an edit built meanwhile makes the result stale, not current
        string[] publish = ["publish", projectDirectory, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
            "-p:PublishAot=true", "--nologo", "-v", "q", "-o", staging];
        var start = lowPriority && OperatingSystem.IsLinux() && File.Exists("/usr/bin/nice")
            ? new ProcessStartInfo("/usr/bin/nice", ["-n", "19", "dotnet", .. publish])
            : new ProcessStartInfo("dotnet", publish);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet publish");
        // The AppHost stopped by a signal while it publishes (--launch NativeAot publishes before the host runs) takes its
        // publish with it instead of leaving it running on its own.
        EventHandler stop = (_, _) => StopQuietly(process);
        AppDomain.CurrentDomain.ProcessExit += stop;
        try
        {
            return await WaitAsync(process, projectDirectory, jitBinary, staging, output, builtFrom, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= stop;
        }
    }

    private static void StopQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had exited.
        }
    }

    private static async Task<string> WaitAsync(Process process, string projectDirectory, string jitBinary, string staging, string output, string builtFrom,
        CancellationToken cancellationToken)
    {
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The AppHost is stopping: the publish it started goes with it; the next start finds the binary stale.
            StopQuietly(process);
            throw;
        }

        var staged = Path.Combine(staging, Path.GetFileName(jitBinary));
        if (process.ExitCode != 0 || !File.Exists(staged))
        {
            throw new InvalidOperationException(
                $"Publishing the node with Native AOT failed (exit code {process.ExitCode}); linking needs clang or gcc on PATH " +
                $"(Debian: apt-get install -y gcc). Run with --launch Executable to use the JIT node.{Environment.NewLine}" +
                $"{await stdout.ConfigureAwait(false)}{await stderr.ConfigureAwait(false)}");
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
        return binary;
    }

    private static string OutputDirectory(string projectDirectory) =>
        Path.Combine(projectDirectory, "bin", "NativeAot", RuntimeInformation.RuntimeIdentifier);
}
