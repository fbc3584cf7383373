namespace AspireP2P.Tests.Processes;

/// <summary>
/// A copy of a stopped node's data directory, restored later in its place: the node then runs again on an older state
/// of itself (as after restoring a backup), under the same identity. It may then write a second, different record under a
/// sequence number its peers already hold from it: a genuine conflict, on the old node and on the new one alike.
/// </summary>
public sealed class DataDirectoryBackup : IDisposable
{
    private readonly string _copy = Directory.CreateTempSubdirectory("aspirep2p-backup-").FullName;

    /// <summary>Copies <paramref name="dataDir"/> (its node must be stopped).</summary>
    public void Take(string dataDir) => Copy(dataDir, _copy);

    /// <summary>Puts the copy back in place of <paramref name="dataDir"/> (its node must be stopped).</summary>
    public void RestoreTo(string dataDir)
    {
        Directory.Delete(dataDir, recursive: true);
        Copy(_copy, dataDir);
    }

    public void Dispose() => Directory.Delete(_copy, recursive: true);

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            Copy(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}
