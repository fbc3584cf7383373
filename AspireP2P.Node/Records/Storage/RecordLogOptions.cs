using System.ComponentModel.DataAnnotations;

namespace AspireP2P.Node.Records.Storage;

/// <summary>How the on-disk record log (<see cref="RecordLogFactory"/>) trades safety, memory and batching.</summary>
public sealed class RecordLogOptions
{
    /// <summary>
    /// False (default): a row is durable once the operating system has it, so it survives kill -9 and crashes of the
    /// node; a power loss may lose the last commits but never corrupts the store. True: every commit is also fsynced,
    /// so durable rows survive power loss too (each commit then waits for the disk).
    /// </summary>
    public bool Fsync { get; set; }

    /// <summary>
    /// Memory the engine may use for its page caches, in bytes (default 16 MiB): half for the writer, the rest shared by
    /// the readers. Rows beyond it stay on disk (and in the operating system's file cache, which the OS reclaims).
    /// </summary>
    [Range(1L << 20, 1L << 34)]
    public long MemoryBudgetBytes { get; set; } = 16L << 20;

    /// <summary>The most rows one commit takes (default 8,192): bounds how long a durable wait can lag behind a burst.</summary>
    [Range(1, 1_000_000)]
    public int MaxRowsPerCommit { get; set; } = 8192;
}
