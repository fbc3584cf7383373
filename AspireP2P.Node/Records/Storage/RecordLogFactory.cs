namespace AspireP2P.Node.Records.Storage;

/// <summary>Opens the record log a node runs on: on disk (<see cref="SqliteRecordLog"/>; why SQLite: docs/storage.md).</summary>
public static class RecordLogFactory
{
    /// <summary>The store's file name inside the data directory.</summary>
    public const string FileName = SqliteRecordLog.FileName;

    /// <summary>
    /// With a data directory: the log lives there (created if missing) and survives restarts. Without one: the log
    /// spills to a fresh temporary directory that is removed when the log is disposed (or the process exits), so
    /// nothing survives a restart, as with the tutorial's node, yet memory stays bounded.
    /// </summary>
    /// <exception cref="RecordLogFailedException">The store cannot be opened: another process holds it, its file is not a record log, or the disk refuses.</exception>
    public static IRecordLog Open(string? dataDirectory, RecordLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (dataDirectory is not null)
        {
            return SqliteRecordLog.Open(Path.GetFullPath(dataDirectory), options, removeOnDispose: false);
        }

        TemporaryDirectories.RemoveAbandoned();
        return SqliteRecordLog.Open(TemporaryDirectories.Create(), options, removeOnDispose: true);
    }

    /// <summary>The call the node makes today: default memory budget and batching, fsync as asked.</summary>
    public static IRecordLog Open(string? dataDirectory, bool fsync) => Open(dataDirectory, new RecordLogOptions { Fsync = fsync });
}
