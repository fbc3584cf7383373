using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AspireP2P.AppHost;

/// <summary>
/// The node published with Native AOT, in <c>AspireP2P.Node/bin/NativeAot/&lt;rid&gt;/</c>. It is current when it is newer
/// than every assembly of the node the AppHost's build just built; a publish goes to a directory of its own and its
/// binary is moved into place at the end (an atomic rename), so a node never starts from a half-written file.
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
        var binary = BinaryPath(projectDirectory, jitBinary);
        var built = Directory.EnumerateFiles(Path.GetDirectoryName(jitBinary)!, "AspireP2P.*.dll").Select(File.GetLastWriteTimeUtc).DefaultIfEmpty().Max();
        return File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= built;
    }

    /// <summary>
    /// Publishes the node with Native AOT and moves the binary into place; returns the binary's path. Throws with the
    /// publish's output when it fails. <paramref name="lowPriority"/>: under <c>nice -n 19</c> (a publish in the
    /// background while nodes run).
    /// </summary>
    public static async Task<string> PublishAsync(string projectDirectory, string jitBinary, bool lowPriority, CancellationToken cancellationToken)
    {
        var output = OutputDirectory(projectDirectory);
        var staging = output + ".publishing";
        string[] publish = ["publish", projectDirectory, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier,
            "-p:PublishAot=true", "--nologo", "-v", "q", "-o", staging];
        var start = lowPriority && OperatingSystem.IsLinux() && File.Exists("/usr/bin/nice")
            ? new ProcessStartInfo("/usr/bin/nice", ["-n", "19", "dotnet", .. publish])
            : new ProcessStartInfo("dotnet", publish);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet publish");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The AppHost is stopping: the publish it started goes with it; the next start finds the binary stale.
            process.Kill(entireProcessTree: true);
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

        Directory.CreateDirectory(output);
        var binary = BinaryPath(projectDirectory, jitBinary);
        File.Move(staged, binary, overwrite: true);
        // A publish that found nothing to do keeps the old timestamp; mark the binary as current for the next start.
        File.SetLastWriteTimeUtc(binary, DateTime.UtcNow);
        return binary;
    }

    private static string OutputDirectory(string projectDirectory) =>
        Path.Combine(projectDirectory, "bin", "NativeAot", RuntimeInformation.RuntimeIdentifier);
}
