namespace AspireP2P.Node.Records;

/// <summary>
/// Follows the log as it grows (the mesh's relay): told of every stored entry in log order, with the context its appender
/// gave (opaque to the store), and of every entry retired by a conflict. Called under the store's lock, so that nobody
/// sees a position before its follower has: it must be quick, must not block and should not throw (the store catches
/// and reports it, and the follower sees a gap).
/// </summary>
public interface IRecordObserver
{
    void Appended(long position, Entry entry, Storage.RowKind kind, object? context);

    void Retired(long position);
}
