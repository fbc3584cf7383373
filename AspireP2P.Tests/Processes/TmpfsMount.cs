using System.Diagnostics;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// A small filesystem of its own (a tmpfs the test mounts; the suite runs as root): a disk that fills up for real (ENOSPC),
/// and that can be grown again (<see cref="ResizeAsync"/>, keeping its files) as an operator freeing space would.
/// Unmounted and deleted on dispose, whatever happened.
/// </summary>
public sealed class TmpfsMount : IAsyncDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static async Task<TmpfsMount> MountAsync(string size)
    {
        var path = Directory.CreateTempSubdirectory("aspirep2p-tmpfs-").FullName;
        try
        {
            await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        }
        catch
        {
            Directory.Delete(path);
            throw;
        }

        return new TmpfsMount(path);
    }

    public Task ResizeAsync(string size) => RunAsync("mount", "-o", $"remount,size={size}", Path);

    public async ValueTask DisposeAsync()
    {
        await RunAsync("umount", "-l", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static async Task RunAsync(string command, params string[] arguments)
    {
        var start = TestTools.StartInfo(command, arguments);
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync().WaitAsync(Timeouts.Request);
        await process.WaitForExitAsync().WaitAsync(Timeouts.Request);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed (needs root): {errors}");
        }
    }
}
