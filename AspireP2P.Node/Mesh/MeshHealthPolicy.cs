namespace AspireP2P.Node.Mesh;

/// <summary>
/// Whether records can reach this node and leave it: Degraded while it is partitioned by fault injection, while a peer
/// named at start is not linked (unless that peer is full and this node is linked elsewhere), or while it has links but
/// none that brings records in; with the reason and since when. Mesh loop only.
/// </summary>
internal sealed class MeshHealthPolicy
{
    private DateTimeOffset? _degradedSince;

    public MeshHealth Evaluate(DateTimeOffset? partitionedUntil, IEnumerable<PeerEntry> peers, IReadOnlyCollection<Link> links, int linkedPeers, DateTimeOffset now)
    {
        string? reason = null;
        if (partitionedUntil is { } until)
        {
            reason = $"partitioned by fault injection until {until:HH:mm:ss}";
        }
        else if (peers.FirstOrDefault(e => e.Origin == PeerOrigin.Bootstrap && e.Link is null && e.State != PeerState.Connected
                     && !(e.Full && linkedPeers > 0)) is { } missing)
        {
            reason = $"bootstrap peer {missing.Address} is not linked ({missing.LastError ?? "dialing"})";
        }
        else if (links.Count > 0 && !links.Any(l => l.CarriesRecordsIn))
        {
            reason = "records cannot reach this node: it has only links it sends on";
        }

        if (reason is null)
        {
            _degradedSince = null;
            return new MeshHealth(false, null, null);
        }

        _degradedSince ??= now;
        return new MeshHealth(true, reason, _degradedSince);
    }
}
