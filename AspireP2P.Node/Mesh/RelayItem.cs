using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// One log position as the links relay it: the entry, how it counts, where it came from and its frame, encoded once and
/// shared by every link. Items read back from disk (older than the relay's window) carry no context: they go out as
/// catch-up copies, and may go back to the link they came on (the peer takes them for duplicates).
/// </summary>
public sealed class RelayItem(long position, Entry entry, RowKind kind, RelayContext? context)
{
    private volatile bool _retired = kind == RowKind.Retired;
    private byte[]? _frame;

    public long Position { get; } = position;

    public Entry Entry { get; } = entry;

    public RowKind Kind => _retired ? RowKind.Retired : kind;

    public RelayContext? Context { get; } = context;

    /// <summary>The link it came on; 0 when published here or unknown.</summary>
    public long FromLink => Context?.FromLink ?? 0;

    /// <summary>Its frame, once some link has needed it.</summary>
    public byte[]? Frame => Volatile.Read(ref _frame);

    /// <summary>Bytes this item keeps in memory, its frame included once it has one.</summary>
    public long Bytes => Weight(Entry) + (Frame?.Length ?? 0);

    /// <summary>What the relay's budget counts for it (the relay's lock guards it).</summary>
    internal long Counted { get; set; }

    internal void Retire() => _retired = true;

    /// <summary>Keeps the first frame made (two links may encode it at once); true when this one was kept.</summary>
    internal bool TrySetFrame(byte[] frame) => Interlocked.CompareExchange(ref _frame, frame, null) is null;

    /// <summary>
    /// About what an entry costs in memory while the relay holds it: its value, key, signature and proof, and the objects
    /// around them (the entry, its leaf hash, this item, its context with a public key and trace context: about 600 bytes,
    /// measured with dotnet-gcdump on a node holding 20,000 one-record feeds).
    /// </summary>
    public static long Weight(Entry entry) => entry.Value.Length + (2L * entry.Key.Length) + entry.Signature.Length + entry.Proof.Length + 600;
}
