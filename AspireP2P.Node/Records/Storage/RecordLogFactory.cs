namespace AspireP2P.Node.Records.Storage;

/// <summary>Opens the record log a node runs on.</summary>
public static class RecordLogFactory
{
    /// <summary>TEMPORARY until the disk engine lands: every node keeps its log in memory.</summary>
    public static IRecordLog Open(string? dataDirectory, bool fsync) => new MemoryRecordLog();
}
