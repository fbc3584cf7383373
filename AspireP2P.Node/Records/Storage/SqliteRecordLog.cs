using System.Collections.Concurrent;
using AspireP2P.Node.Identity;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AspireP2P.Node.Records.Storage;

/// <summary>
/// The record log in SQLite (WAL mode), chosen by measurement (docs/storage.md): bounded memory (SQLite's page cache,
/// no memory map), one file, a well-kept engine that works in the built binary and with Native AOT.
/// <para>Appends land in an in-memory tail; a background writer thread commits whatever is pending in one transaction
/// (group commit), then advances <see cref="DurableLength"/> and releases the waiters. Kind changes and origin keys
/// ride in the same transactions. Until a change is committed, reads see it through the tail and a small overlay of
/// pending kinds, so every read reflects every call made so far.</para>
/// </summary>
public sealed class SqliteRecordLog : IRecordLog
{
    internal const string FileName = "records.db";
    private const string LockFileName = "records.lock";
    private const int MaxPooledReaders = 4;

    /// <summary>The writer asks for a background checkpoint after committing about this many bytes.</summary>
    private const long CheckpointEveryBytes = 16 << 20;

    /// <summary>
    /// A WAL that the background checkpoints cannot reset (the writer never pauses long enough) is checkpointed by the
    /// writer itself beyond this size, so the WAL stays bounded under sustained load.
    /// </summary>
    private const long WalLimitFrames = (256 << 20) / SqliteLogConnection.PageBytes;

    private const string InsertRow = "INSERT INTO rows(pos, origin, seq, ckey, kind, blob) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    private const string UpdateKind = "UPDATE rows SET kind = ?2 WHERE pos = ?1 AND kind <> 2";
    private const string PutKey = "INSERT OR REPLACE INTO origin_keys(origin, public_key) VALUES (?1, ?2)";
    private const string SelectRange = "SELECT pos, origin, seq, ckey, kind, blob FROM rows WHERE pos >= ?1 AND pos < ?2 ORDER BY pos";
    private const string SelectFeed = "SELECT pos, seq, ckey, kind, blob FROM rows WHERE origin = ?1 AND seq BETWEEN ?2 AND ?3 AND kind <> 2 AND pos < ?4 ORDER BY seq, pos";
    private const string SelectEntry = "SELECT pos, ckey, kind, blob FROM rows WHERE origin = ?1 AND seq = ?2 AND kind <> 2 AND pos < ?3 ORDER BY pos DESC";
    private const string SelectContent = "SELECT pos FROM rows WHERE ckey = ?1 AND ckey < 0 AND kind <> 2 AND pos < ?2";
    private const string SelectKind = "SELECT kind FROM rows WHERE pos = ?1";
    private const string SelectKey = "SELECT public_key FROM origin_keys WHERE origin = ?1";
    private const string SelectScan = "SELECT pos, origin, seq, ckey, kind FROM rows WHERE kind <> 2 AND pos < ?1 ORDER BY pos";

    private readonly string _directory;
    private readonly string _path;
    private readonly bool _removeOnDispose;
    private readonly int _maxRowsPerCommit;
    private readonly long _readerCacheBytes;
    private readonly FileStream _lockFile;
    private readonly SqliteLogConnection _writer;
    private readonly ConcurrentQueue<SqliteLogConnection> _readers = new();
    // Never disposed: an Append racing with DisposeAsync may still Set it, and without a wait handle it holds nothing.
    private readonly ManualResetEventSlim _work = new(false);
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _bytesSinceCheckpoint;
    private long _pendingBytes;

    // The checkpointer thread; _walFrames is the WAL's size in frames at its last checkpoint (read by the writer).
    private readonly SqliteLogConnection _checkpointConnection;
    private readonly ManualResetEventSlim _checkpointDue = new(false);
    private readonly TaskCompletionSource _checkpointerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _walFrames;

    private readonly Lock _gate = new();

    // Guarded by _gate.
    private readonly List<LogRow> _tail = [];
    private readonly List<KindChange> _kindChanges = [];
    private readonly Dictionary<long, KindChange> _pendingKinds = [];
    private readonly List<(NodeId Origin, byte[] PublicKey)> _pendingKeys = [];
    private (NodeId Origin, byte[] PublicKey)[] _committingKeys = [];
    private readonly PriorityQueue<TaskCompletionSource, long> _waiters = new();
    private long _length;
    private long _durable;
    private long _changeVersion;
    private RecordLogFailedException? _failure;
    private bool _closing;
    private bool _disposed;

    private SqliteRecordLog(string directory, bool removeOnDispose, RecordLogOptions options, FileStream lockFile, SqliteLogConnection writer, SqliteLogConnection checkpointer, long length)
    {
        _directory = directory;
        _path = Path.Combine(directory, FileName);
        _removeOnDispose = removeOnDispose;
        _maxRowsPerCommit = options.MaxRowsPerCommit;
        _readerCacheBytes = options.MemoryBudgetBytes / 2 / MaxPooledReaders;
        _lockFile = lockFile;
        _writer = writer;
        _checkpointConnection = checkpointer;
        _length = _durable = length;
        if (removeOnDispose)
        {
            AppDomain.CurrentDomain.ProcessExit += RemoveAtExit;
        }

        new Thread(WriteLoop) { IsBackground = true, Name = "record-log-writer" }.Start();
        new Thread(CheckpointLoop) { IsBackground = true, Name = "record-log-checkpointer" }.Start();
    }

    /// <summary>Where the store lives.</summary>
    public string Directory => _directory;

    public long Length => Volatile.Read(ref _length);

    public long DurableLength => Volatile.Read(ref _durable);

    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    public RecordLogFailedException? Failure => Volatile.Read(ref _failure);

    /// <summary>Opens (or creates) the log in <paramref name="directory"/>; <paramref name="removeOnDispose"/> deletes the directory when done.</summary>
    /// <exception cref="RecordLogFailedException">Another process holds the store, its file is not a record log, or the disk refuses.</exception>
    public static SqliteRecordLog Open(string directory, RecordLogOptions options, bool removeOnDispose)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MemoryBudgetBytes, 1L << 20, nameof(options.MemoryBudgetBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRowsPerCommit, 1, nameof(options.MaxRowsPerCommit));
        FileStream? lockFile = null;
        SqliteLogConnection? writer = null;
        SqliteLogConnection? checkpointer = null;
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            try
            {
                // One process per store: FileShare.None takes an exclusive advisory lock (flock) on Linux.
                lockFile = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException ex)
            {
                throw new RecordLogFailedException($"the record log in {directory} is in use by another process", ex);
            }

            writer = SqliteLogConnection.OpenWriter(Path.Combine(directory, FileName), options.Fsync, options.MemoryBudgetBytes / 2);
            var last = writer.Statement("SELECT coalesce(max(pos) + 1, 0) FROM rows");
            raw.sqlite3_step(last);
            var length = raw.sqlite3_column_int64(last, 0);
            raw.sqlite3_reset(last);
            checkpointer = SqliteLogConnection.OpenCheckpointer(Path.Combine(directory, FileName));
            return new SqliteRecordLog(directory, removeOnDispose, options, lockFile, writer, checkpointer, length);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            checkpointer?.Dispose();
            writer?.Dispose();
            lockFile?.Dispose();
            if (removeOnDispose)
            {
                TemporaryDirectories.Remove(directory);
            }

            throw ex as RecordLogFailedException ?? new RecordLogFailedException($"cannot open the record log in {directory}: {ex.Message}", ex);
        }
    }

    public long Append(NodeId origin, long seq, ulong contentKey, RowKind kind, byte[] blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        long position;
        lock (_gate)
        {
            ThrowIfNotWritable();
            position = _length;
            _tail.Add(new LogRow(position, origin, seq, contentKey, kind, blob));
            Volatile.Write(ref _length, position + 1);
            Interlocked.Add(ref _pendingBytes, blob.Length);
        }

        _work.Set();
        return position;
    }

    public ValueTask WaitDurableAsync(long position, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (position < _durable)
            {
                return ValueTask.CompletedTask;
            }

            if (_failure is not null)
            {
                return ValueTask.FromException(_failure);
            }

            if (_disposed || (_closing && position >= _length))
            {
                return ValueTask.FromException(new ObjectDisposedException(nameof(SqliteRecordLog), $"the record log closed before position {position} was written"));
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter, position);
        }

        return new ValueTask(waiter.Task.WaitAsync(cancellationToken));
    }

    public void Retire(long position) => ChangeKind(position, RowKind.Retired);

    public int Read(long position, Span<LogRow> rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        long end, committedEnd;
        Dictionary<long, KindChange>? pending;
        lock (_gate)
        {
            ThrowIfDisposed();
            end = Math.Min(_length, position + rows.Length);
            if (position >= end)
            {
                return 0;
            }

            committedEnd = Math.Min(_durable, end);
            for (var p = Math.Max(position, _durable); p < end; p++)
            {
                rows[(int)(p - position)] = _tail[(int)(p - _durable)];
            }

            pending = PendingKindsSnapshot();
        }

        if (position < committedEnd)
        {
            ReadCommitted(position, committedEnd, rows, pending);
        }

        return (int)(end - position);
    }

    public int ReadFeed(NodeId origin, long fromSeq, long toSeq, Span<LogRow> rows)
    {
        if (rows.IsEmpty || fromSeq > toSeq)
        {
            return 0;
        }

        List<LogRow> tail = [];
        long committedEnd;
        Dictionary<long, KindChange>? pending;
        lock (_gate)
        {
            ThrowIfDisposed();
            foreach (var row in _tail)
            {
                if (row.Origin == origin && row.Seq >= fromSeq && row.Seq <= toSeq && row.Kind != RowKind.Retired)
                {
                    tail.Add(row);
                }
            }

            committedEnd = _durable;
            pending = PendingKindsSnapshot();
        }

        // Both sources in (seq, position) order; for a seq held by several rows that are not retired, the last appended wins.
        tail.Sort(static (a, b) => a.Seq != b.Seq ? a.Seq.CompareTo(b.Seq) : a.Position.CompareTo(b.Position));
        var reader = RentReader();
        try
        {
            var statement = reader.Statement(SelectFeed);
            SqliteLogConnection.BindOrigin(statement, 1, origin);
            raw.sqlite3_bind_int64(statement, 2, fromSeq);
            raw.sqlite3_bind_int64(statement, 3, toSeq);
            raw.sqlite3_bind_int64(statement, 4, committedEnd);
            var count = 0;
            LogRow? held = null;
            var nextTail = 0;
            var committed = NextFeedRow(reader, statement, origin, pending);
            while (count < rows.Length)
            {
                LogRow row;
                if (committed is { } c && (nextTail == tail.Count || c.Seq <= tail[nextTail].Seq))
                {
                    row = c;
                    committed = NextFeedRow(reader, statement, origin, pending);
                }
                else if (nextTail < tail.Count)
                {
                    row = tail[nextTail++];
                }
                else
                {
                    break;
                }

                if (held is { } h && h.Seq != row.Seq)
                {
                    rows[count++] = h;
                }

                held = row;
            }

            if (held is { } last && count < rows.Length)
            {
                rows[count++] = last;
            }

            raw.sqlite3_reset(statement);
            return count;
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    public bool TryGet(NodeId origin, long seq, out LogRow row)
    {
        long committedEnd;
        Dictionary<long, KindChange>? pending;
        lock (_gate)
        {
            ThrowIfDisposed();
            for (var i = _tail.Count - 1; i >= 0; i--)
            {
                if (_tail[i] is { Kind: not RowKind.Retired } candidate && candidate.Origin == origin && candidate.Seq == seq)
                {
                    row = candidate;
                    return true;
                }
            }

            committedEnd = _durable;
            pending = PendingKindsSnapshot();
        }

        var reader = RentReader();
        try
        {
            var statement = reader.Statement(SelectEntry);
            SqliteLogConnection.BindOrigin(statement, 1, origin);
            raw.sqlite3_bind_int64(statement, 2, seq);
            raw.sqlite3_bind_int64(statement, 3, committedEnd);
            try
            {
                while (Step(reader, statement))
                {
                    var position = raw.sqlite3_column_int64(statement, 0);
                    var kind = KindOf(pending, position, (RowKind)raw.sqlite3_column_int(statement, 2));
                    if (kind != RowKind.Retired)
                    {
                        row = new LogRow(position, origin, seq, (ulong)raw.sqlite3_column_int64(statement, 1), kind, raw.sqlite3_column_blob(statement, 3).ToArray());
                        return true;
                    }
                }
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }
        finally
        {
            ReturnReader(reader);
        }

        row = default;
        return false;
    }

    public bool ContainsContent(ulong contentKey)
    {
        if (contentKey == 0)
        {
            return false;
        }

        long committedEnd;
        Dictionary<long, KindChange>? pending;
        lock (_gate)
        {
            ThrowIfDisposed();
            foreach (var row in _tail)
            {
                if (row.ContentKey == contentKey && row.Kind != RowKind.Retired)
                {
                    return true;
                }
            }

            committedEnd = _durable;
            pending = PendingKindsSnapshot();
        }

        var reader = RentReader();
        try
        {
            var statement = reader.Statement(SelectContent);
            raw.sqlite3_bind_int64(statement, 1, unchecked((long)contentKey));
            raw.sqlite3_bind_int64(statement, 2, committedEnd);
            try
            {
                while (Step(reader, statement))
                {
                    if (KindOf(pending, raw.sqlite3_column_int64(statement, 0), RowKind.Visible) != RowKind.Retired)
                    {
                        return true;
                    }
                }
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }
        finally
        {
            ReturnReader(reader);
        }

        return false;
    }

    public IEnumerable<(long Position, NodeId Origin, long Seq, ulong ContentKey, RowKind Kind)> Scan()
    {
        List<LogRow> tail;
        long committedEnd;
        Dictionary<long, KindChange>? pending;
        lock (_gate)
        {
            ThrowIfDisposed();
            tail = [.. _tail];
            committedEnd = _durable;
            pending = PendingKindsSnapshot();
        }

        return ScanRows(tail, committedEnd, pending);
    }

    public void PutOriginKey(NodeId origin, byte[] publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        lock (_gate)
        {
            ThrowIfNotWritable();
            _pendingKeys.Add((origin, publicKey.ToArray()));
        }

        _work.Set();
    }

    public bool TryGetOriginKey(NodeId origin, out byte[] publicKey)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            for (var i = _pendingKeys.Count - 1; i >= 0; i--)
            {
                if (_pendingKeys[i].Origin == origin)
                {
                    publicKey = _pendingKeys[i].PublicKey;
                    return true;
                }
            }

            // Keys being committed right now are found in the store once the commit ends; until then, in the batch (the
            // last one put wins, as it does in the store).
            for (var i = _committingKeys.Length - 1; i >= 0; i--)
            {
                if (_committingKeys[i].Origin == origin)
                {
                    publicKey = _committingKeys[i].PublicKey;
                    return true;
                }
            }
        }

        var reader = RentReader();
        try
        {
            var statement = reader.Statement(SelectKey);
            SqliteLogConnection.BindOrigin(statement, 1, origin);
            try
            {
                if (Step(reader, statement))
                {
                    publicKey = raw.sqlite3_column_blob(statement, 0).ToArray();
                    return true;
                }
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }
        finally
        {
            ReturnReader(reader);
        }

        publicKey = [];
        return false;
    }

    /// <summary>Writes what is pending, stops the writer, closes the store (and removes it if it was temporary).</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
        }

        _work.Set();
        await _writerExited.Task.ConfigureAwait(false);
        _checkpointDue.Set();
        await _checkpointerExited.Task.ConfigureAwait(false);
        _checkpointConnection.Dispose();
        lock (_gate)
        {
            _disposed = true;
            var closed = new ObjectDisposedException(nameof(SqliteRecordLog), "the record log closed before this position was written");
            while (_waiters.TryDequeue(out var waiter, out _))
            {
                waiter.TrySetException(_failure ?? (Exception)closed);
            }
        }

        if (_failure is null)
        {
            try
            {
                _writer.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            catch (SqliteException)
            {
                // The WAL stays; the next open replays it.
            }
        }

        while (_readers.TryDequeue(out var reader))
        {
            reader.Dispose();
        }

        _writer.Dispose();
        await _lockFile.DisposeAsync().ConfigureAwait(false);
        if (_removeOnDispose)
        {
            AppDomain.CurrentDomain.ProcessExit -= RemoveAtExit;
            TemporaryDirectories.Remove(_directory);
        }
    }

    private void WriteLoop()
    {
        try
        {
            while (true)
            {
                _work.Wait();
                _work.Reset();
                while (true)
                {
                    LogRow[] rows;
                    KindChange[] changes;
                    (NodeId Origin, byte[] PublicKey)[] keys;
                    bool closing;
                    lock (_gate)
                    {
                        closing = _closing;
                        rows = [.. _tail.Take(_maxRowsPerCommit)];
                        changes = [.. _kindChanges];
                        keys = [.. _pendingKeys];
                        _committingKeys = keys;
                        _kindChanges.Clear();
                        _pendingKeys.Clear();
                    }

                    if (rows.Length == 0 && changes.Length == 0 && keys.Length == 0)
                    {
                        if (closing)
                        {
                            return;
                        }

                        break;
                    }

                    Commit(rows, changes, keys);
                    AfterCommit(rows);
                    Interlocked.Add(ref _pendingBytes, -rows.Sum(r => (long)r.Blob.Length));
                    lock (_gate)
                    {
                        _tail.RemoveRange(0, rows.Length);
                        Volatile.Write(ref _durable, _durable + rows.Length);
                        _committingKeys = [];
                        foreach (var change in changes)
                        {
                            if (_pendingKinds.TryGetValue(change.Position, out var latest) && latest.Version == change.Version)
                            {
                                _pendingKinds.Remove(change.Position);
                            }
                        }

                        while (_waiters.TryPeek(out var waiter, out var position) && position < _durable)
                        {
                            _waiters.Dequeue().TrySetResult();
                        }
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // Any failure of the writer is sticky: a full disk, an I/O error, a store changed under us.
            var failure = new RecordLogFailedException(
                $"the record log in {_directory} cannot write ({ex.Message}); rows from position {DurableLength} on are not durable and nothing more is accepted until the node restarts",
                ex);
            lock (_gate)
            {
                _failure = failure;
                while (_waiters.TryDequeue(out var waiter, out _))
                {
                    waiter.TrySetException(failure);
                }
            }
        }
        finally
        {
            _writerExited.TrySetResult();
        }
    }

    /// <summary>Asks for a background checkpoint now and then; checkpoints here if the WAL outgrew its limit.</summary>
    private void AfterCommit(LogRow[] rows)
    {
        foreach (var row in rows)
        {
            _bytesSinceCheckpoint += row.Blob.Length + 64;
        }

        if (_bytesSinceCheckpoint >= CheckpointEveryBytes)
        {
            _bytesSinceCheckpoint = 0;
            _checkpointDue.Set();
        }

        if (Volatile.Read(ref _walFrames) > WalLimitFrames)
        {
            // RESTART: copy what is left and make the next commit write the WAL from its start again.
            _writer.Execute("PRAGMA wal_checkpoint(RESTART)");
            Volatile.Write(ref _walFrames, 0);
        }
    }

    /// <summary>
    /// Copies the WAL into the database file (and fsyncs it) off the writer's thread, so a commit never waits for a
    /// checkpoint. A checkpoint that fails (a full disk) leaves the WAL to the writer's own checkpoint, whose failure
    /// then fails the log.
    /// </summary>
    private void CheckpointLoop()
    {
        try
        {
            var checkpoint = _checkpointConnection.Statement("PRAGMA wal_checkpoint(PASSIVE)");
            while (true)
            {
                _checkpointDue.Wait();
                _checkpointDue.Reset();
                if (Volatile.Read(ref _closing))
                {
                    return;
                }

                var result = raw.sqlite3_step(checkpoint);
                var frames = result == raw.SQLITE_ROW ? raw.sqlite3_column_int64(checkpoint, 1) : long.MaxValue;
                raw.sqlite3_reset(checkpoint);
                Volatile.Write(ref _walFrames, frames);
            }
        }
        catch (SqliteException)
        {
            Volatile.Write(ref _walFrames, long.MaxValue);
        }
        finally
        {
            _checkpointerExited.TrySetResult();
        }
    }

    private void Commit(LogRow[] rows, KindChange[] changes, (NodeId Origin, byte[] PublicKey)[] keys)
    {
        _writer.Execute("BEGIN");
        try
        {
            var insert = _writer.Statement(InsertRow);
            foreach (var row in rows)
            {
                raw.sqlite3_bind_int64(insert, 1, row.Position);
                SqliteLogConnection.BindOrigin(insert, 2, row.Origin);
                raw.sqlite3_bind_int64(insert, 3, row.Seq);
                raw.sqlite3_bind_int64(insert, 4, unchecked((long)row.ContentKey));
                raw.sqlite3_bind_int(insert, 5, (int)row.Kind);
                raw.sqlite3_bind_blob(insert, 6, row.Blob);
                _writer.Run(insert);
            }

            // After the inserts: a change may concern a row of this very batch whose copy predates the change.
            var update = _writer.Statement(UpdateKind);
            foreach (var change in changes)
            {
                raw.sqlite3_bind_int64(update, 1, change.Position);
                raw.sqlite3_bind_int(update, 2, (int)change.Kind);
                _writer.Run(update);
            }

            var put = _writer.Statement(PutKey);
            foreach (var (origin, publicKey) in keys)
            {
                SqliteLogConnection.BindOrigin(put, 1, origin);
                raw.sqlite3_bind_blob(put, 2, publicKey);
                _writer.Run(put);
            }

            _writer.Execute("COMMIT");
        }
        catch
        {
            try
            {
                _writer.Execute("ROLLBACK");
            }
            catch (SqliteException)
            {
                // SQLite rolls back by itself after some errors (a full disk); nothing is left to undo.
            }

            throw;
        }
    }

    private void ChangeKind(long position, RowKind kind)
    {
        lock (_gate)
        {
            ThrowIfNotWritable();
            ArgumentOutOfRangeException.ThrowIfNegative(position);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(position, _length);
            var current = CurrentKind(position);
            if (current == RowKind.Retired || current == kind)
            {
                return;
            }

            if (position >= _durable)
            {
                var index = (int)(position - _durable);
                _tail[index] = _tail[index] with { Kind = kind };
            }

            var change = new KindChange(++_changeVersion, position, kind);
            _pendingKinds[position] = change;
            _kindChanges.Add(change);
        }

        _work.Set();
    }

    /// <summary>The kind a row has now (caller holds <see cref="_gate"/>): the tail, a pending change, or the store.</summary>
    private RowKind CurrentKind(long position)
    {
        if (position >= _durable)
        {
            return _tail[(int)(position - _durable)].Kind;
        }

        if (_pendingKinds.TryGetValue(position, out var change))
        {
            return change.Kind;
        }

        var reader = RentReader();
        try
        {
            var statement = reader.Statement(SelectKind);
            raw.sqlite3_bind_int64(statement, 1, position);
            try
            {
                return Step(reader, statement) ? (RowKind)raw.sqlite3_column_int(statement, 0) : throw Corrupt($"row {position} is missing");
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    private void ReadCommitted(long from, long to, Span<LogRow> rows, Dictionary<long, KindChange>? pending)
    {
        var reader = RentReader();
        try
        {
            var statement = reader.Statement(SelectRange);
            raw.sqlite3_bind_int64(statement, 1, from);
            raw.sqlite3_bind_int64(statement, 2, to);
            var expected = from;
            try
            {
                while (Step(reader, statement))
                {
                    var position = raw.sqlite3_column_int64(statement, 0);
                    if (position != expected)
                    {
                        throw Corrupt($"row {expected} is missing (found {position})");
                    }

                    rows[(int)(position - from)] = new LogRow(
                        position,
                        SqliteLogConnection.ColumnOrigin(statement, 1),
                        raw.sqlite3_column_int64(statement, 2),
                        (ulong)raw.sqlite3_column_int64(statement, 3),
                        KindOf(pending, position, (RowKind)raw.sqlite3_column_int(statement, 4)),
                        raw.sqlite3_column_blob(statement, 5).ToArray());
                    expected++;
                }
            }
            finally
            {
                raw.sqlite3_reset(statement);
            }

            if (expected != to)
            {
                throw Corrupt($"rows {expected}–{to - 1} are missing");
            }
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    private static LogRow? NextFeedRow(SqliteLogConnection reader, sqlite3_stmt statement, NodeId origin, Dictionary<long, KindChange>? pending)
    {
        while (Step(reader, statement))
        {
            var position = raw.sqlite3_column_int64(statement, 0);
            var kind = KindOf(pending, position, (RowKind)raw.sqlite3_column_int(statement, 3));
            if (kind != RowKind.Retired)
            {
                return new LogRow(position, origin, raw.sqlite3_column_int64(statement, 1), (ulong)raw.sqlite3_column_int64(statement, 2), kind, raw.sqlite3_column_blob(statement, 4).ToArray());
            }
        }

        return null;
    }

    private IEnumerable<(long Position, NodeId Origin, long Seq, ulong ContentKey, RowKind Kind)> ScanRows(List<LogRow> tail, long committedEnd, Dictionary<long, KindChange>? pending)
    {
        var reader = RentReader();
        var statement = reader.Prepare(SelectScan);
        try
        {
            raw.sqlite3_bind_int64(statement, 1, committedEnd);
            while (Step(reader, statement))
            {
                var position = raw.sqlite3_column_int64(statement, 0);
                var kind = KindOf(pending, position, (RowKind)raw.sqlite3_column_int(statement, 4));
                if (kind != RowKind.Retired)
                {
                    yield return (position, SqliteLogConnection.ColumnOrigin(statement, 1), raw.sqlite3_column_int64(statement, 2), (ulong)raw.sqlite3_column_int64(statement, 3), kind);
                }
            }
        }
        finally
        {
            statement.Dispose();
            ReturnReader(reader);
        }

        foreach (var row in tail)
        {
            if (row.Kind != RowKind.Retired)
            {
                yield return (row.Position, row.Origin, row.Seq, row.ContentKey, row.Kind);
            }
        }
    }

    private static bool Step(SqliteLogConnection reader, sqlite3_stmt statement)
    {
        var result = raw.sqlite3_step(statement);
        if (result == raw.SQLITE_ROW)
        {
            return true;
        }

        reader.Check(result, "read");
        return false;
    }

    private static RowKind KindOf(Dictionary<long, KindChange>? pending, long position, RowKind stored) =>
        pending is not null && pending.TryGetValue(position, out var change) ? change.Kind : stored;

    /// <summary>The pending kind changes (caller holds <see cref="_gate"/>); null when there are none, as almost always.</summary>
    private Dictionary<long, KindChange>? PendingKindsSnapshot() => _pendingKinds.Count == 0 ? null : new(_pendingKinds);

    private SqliteLogConnection RentReader()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _readers.TryDequeue(out var reader) ? reader : SqliteLogConnection.OpenReader(_path, _readerCacheBytes);
    }

    private void ReturnReader(SqliteLogConnection reader)
    {
        if (_disposed || _readers.Count >= MaxPooledReaders)
        {
            reader.Dispose();
        }
        else
        {
            _readers.Enqueue(reader);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void ThrowIfNotWritable()
    {
        ObjectDisposedException.ThrowIf(_closing, this);
        if (_failure is not null)
        {
            throw _failure;
        }
    }

    private InvalidDataException Corrupt(string what) => new($"the record log {_path} is damaged: {what}");

    private void RemoveAtExit(object? sender, EventArgs e) => TemporaryDirectories.Remove(_directory);

    private readonly record struct KindChange(long Version, long Position, RowKind Kind);
}
