using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// Peer exchange: addresses learned from authenticated peers (their heartbeats, a full node's alternatives) become
/// candidates, at most <see cref="MaxCandidates"/>, and only those the <see cref="DialPolicy"/> allows; the mesh dials
/// one at random while it has fewer peers than its target. Mesh loop only.
/// </summary>
internal sealed class PeerExchange(DialPolicy policy)
{
    public const int MaxCandidates = 256;

    private readonly Dictionary<string, PeerAddress> _candidates = new(StringComparer.Ordinal);

    public int Count => _candidates.Count;

    public IEnumerable<PeerAddress> Candidates => _candidates.Values;

    /// <summary>Takes the addresses a peer named, except this node's own and those the policy forbids; returns those it may dial.</summary>
    public List<PeerAddress> Learn(IEnumerable<PeerAddress> addresses, PeerAddress self)
    {
        var usable = new List<PeerAddress>();
        foreach (var address in addresses)
        {
            if (address.Key == self.Key || !policy.Allows(address))
            {
                continue;
            }

            usable.Add(address);
            if (_candidates.Count < MaxCandidates)
            {
                _candidates.TryAdd(address.Key, address);
            }
        }

        return usable;
    }

    /// <summary>A random address of <paramref name="pool"/> that <paramref name="known"/> does not know yet (taken out of the candidates), or null.</summary>
    public PeerAddress? PickFresh(IEnumerable<PeerAddress> pool, Func<string, bool> known, Random random)
    {
        var fresh = pool.Where(a => !known(a.Key)).ToList();
        if (fresh.Count == 0)
        {
            return null;
        }

        var next = fresh[random.Next(fresh.Count)];
        _candidates.Remove(next.Key);
        return next;
    }
}
