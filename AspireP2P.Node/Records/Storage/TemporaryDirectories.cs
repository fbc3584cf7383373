using System.Globalization;

namespace AspireP2P.Node.Records.Storage;

/// <summary>
/// Spill directories of nodes run without a data directory: <c>$TMPDIR/aspirep2p-records-&lt;pid&gt;-&lt;random&gt;</c>.
/// A node removes its own on dispose and at exit; one killed before that leaves it behind, so the next node started
/// on the machine removes those whose process is gone.
/// </summary>
internal static class TemporaryDirectories
{
    private const string Prefix = "aspirep2p-records-";

    public static string Create()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}-{Path.GetRandomFileName()}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static void Remove(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a file still open elsewhere; the next node's RemoveAbandoned retries once this process is gone.
        }
    }

    public static void RemoveAbandoned()
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (var directory in candidates)
        {
            var name = Path.GetFileName(directory.AsSpan())[Prefix.Length..];
            var dash = name.IndexOf('-');
            if (dash > 0 && int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !IsRunning(pid))
            {
                Remove(directory);
            }
        }
    }

    private static bool IsRunning(int pid) => OperatingSystem.IsLinux() ? Directory.Exists($"/proc/{pid}") : true;
}
