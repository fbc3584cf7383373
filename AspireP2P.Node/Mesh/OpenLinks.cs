namespace AspireP2P.Node.Mesh;

/// <summary>
/// The open links, as one immutable array replaced whenever a link opens or closes. The mesh loop is the only writer;
/// anyone reads it without a lock (the per-record path counts the fan-out from it).
/// </summary>
public sealed class OpenLinks
{
    private Link[] _links = [];
    private int _recordCarriers;

    public IReadOnlyList<Link> Snapshot => Volatile.Read(ref _links);

    public int Count => Volatile.Read(ref _links).Length;

    /// <summary>Links that carry records out of this node (a record is relayed to all of them but the one it came on).</summary>
    public int RecordCarriers => Volatile.Read(ref _recordCarriers);

    internal void Replace(Link[] links)
    {
        Volatile.Write(ref _links, links);
        Volatile.Write(ref _recordCarriers, links.Count(l => l.CarriesRecordsOut));
    }
}
