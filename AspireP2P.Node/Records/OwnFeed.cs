using System.Buffers.Binary;

namespace AspireP2P.Node.Records;

/// <summary>
/// Issues the sequence numbers of this node's own feed, and guarantees that none is ever issued twice — even after a
/// crash, a full disk or a power loss, when records may already have left the node before its own log kept them.
/// With a data directory it reserves numbers ahead, durably (<c>feed.state</c>, fsynced), in blocks: after a clean
/// stop the feed continues where it stopped; after anything else it continues after the last reservation, leaving a
/// gap that peers treat as entries that never existed. Without one, the feed (and the node's key) is new each run.
/// Thread-safe.
/// </summary>
public sealed class OwnFeed
{
    public const string FileName = "feed.state";
    private const long BlockSize = 4096;
    private const uint Magic = 0x46454544; // "FEED"

    private readonly Lock _gate = new();
    private readonly string? _path;
    private long _last;
    private long _reserved;

    /// <param name="highest">The highest seq of this node's feed already in its log (what it must never issue again).</param>
    public OwnFeed(string? dataDirectory, long highest)
    {
        _last = highest;
        if (string.IsNullOrWhiteSpace(dataDirectory))
        {
            _reserved = long.MaxValue;
            return;
        }

        _path = Path.Combine(dataDirectory, FileName);
        if (Read(_path) is { } state)
        {
            // After a clean stop every issued number is in the log; otherwise numbers up to the reservation may have left.
            _last = Math.Max(_last, state.CleanNext > 0 ? state.CleanNext - 1 : state.Reserved);
            ResumedAfterCrash = state.CleanNext == 0 && state.Reserved > highest;
        }

        _reserved = _last;
        Reserve(_last + BlockSize, cleanNext: 0);
    }

    /// <summary>True when the previous run did not stop cleanly and the feed skipped ahead past its reservation.</summary>
    public bool ResumedAfterCrash { get; }

    /// <summary>The last seq issued (0: none yet).</summary>
    public long Last => Interlocked.Read(ref _last);

    public long Next()
    {
        lock (_gate)
        {
            if (_last + 1 > _reserved)
            {
                Reserve(_last + BlockSize, cleanNext: 0);
            }

            return ++_last;
        }
    }

    /// <summary>After a clean stop (every issued record is in the log), the next run continues without a gap.</summary>
    public void MarkClean()
    {
        lock (_gate)
        {
            if (_path is not null)
            {
                Write(_path, _reserved, cleanNext: _last + 1);
            }
        }
    }

    private void Reserve(long upTo, long cleanNext)
    {
        Write(_path!, upTo, cleanNext);
        _reserved = upTo;
    }

    private static void Write(string path, long reserved, long cleanNext)
    {
        Span<byte> bytes = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Magic);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[4..], 1);
        BinaryPrimitives.WriteInt64BigEndian(bytes[8..], reserved);
        BinaryPrimitives.WriteInt64BigEndian(bytes[16..], cleanNext);
        // Overwritten in place and fsynced: 24 bytes within one sector, so a crash leaves the old or the new state.
        using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        file.Write(bytes);
        file.Flush(flushToDisk: true);
    }

    private static (long Reserved, long CleanNext)? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 24 || BinaryPrimitives.ReadUInt32BigEndian(bytes) != Magic)
        {
            throw new InvalidDataException($"{path} is not a feed state file; the node cannot tell which sequence numbers it already issued.");
        }

        return (BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(8)), BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(16)));
    }
}
