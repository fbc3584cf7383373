using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// A seq range of one feed, compared entry by entry through salted leaf hashes read from the log: the second level, for a
/// feed whose content differs under the same seqs, or whose gaps are too many to summarize. One pass fingerprints the 16
/// equal-width children at once; a range with few entries on this side is listed instead (<see cref="SeqListItem"/>).
/// Reads at most the range's entries, a page at a time within the step's budget, and resumes where it stopped.
/// </summary>
internal sealed class SeqRangeWork : ReconcileWork
{
    private readonly NodeId _origin;
    private readonly long _from;
    private readonly long _to;
    private readonly long _peerCount;
    private readonly UInt128 _peerFingerprint;
    private readonly bool _knownDifferent;
    private readonly RangeSum[] _children = new RangeSum[16];
    private readonly List<SeqEntry> _listed = [];
    private readonly long _width;
    private long _next;

    private SeqRangeWork(NodeId origin, long from, long to, long peerCount, UInt128 peerFingerprint, bool knownDifferent)
    {
        _origin = origin;
        _from = from;
        _to = to;
        _peerCount = peerCount;
        _peerFingerprint = peerFingerprint;
        _knownDifferent = knownDifferent;
        _width = ((to - from) / 16) + 1;
        _next = from;
    }

    /// <summary>The peer's fingerprint of a seq range, to compare.</summary>
    public static SeqRangeWork Compare(SeqFingerprintItem item) => new(item.Origin, item.From, item.To, item.Count, item.Fingerprint, false);

    /// <summary>A range known to differ (found from summaries): split at once.</summary>
    public static SeqRangeWork Differing(NodeId origin, long from, long to) => new(origin, from, to, -1, default, true);

    public override bool Run(ReconcileContext context, ref int budget, StepOutput output)
    {
        Span<byte> hash = stackalloc byte[32];
        for (var page = context.NextSalted(_origin, ref _next, _to, ref budget); !page.IsEmpty; page = context.NextSalted(_origin, ref _next, _to, ref budget))
        {
            foreach (var salted in page)
            {
                salted.WriteHash(hash);
                _children[(int)((salted.Seq - _from) / _width)].AddHash(hash);
                if (_listed.Count <= context.Limits.SeqListThreshold)
                {
                    _listed.Add(new SeqEntry(salted.Seq, salted.Fingerprint));
                }
            }
        }

        if (_next <= _to)
        {
            return false;
        }

        var whole = RangeSum.Total(_children);

        if (!_knownDifferent && whole.Count == _peerCount && whole.Fingerprint() == _peerFingerprint)
        {
            return true;
        }

        if (whole.Count == 0)
        {
            return context.Need(_origin, [(_from, _to)]) is not { } need || output.TryAdd(need);
        }

        if (_peerCount == 0)
        {
            context.Push(_origin, _from, _to);
            return true;
        }

        if (whole.Count <= context.Limits.SeqListThreshold || _to == _from)
        {
            return output.TryAdd(new SeqListItem(_origin, _from, _to, [.. _listed]));
        }

        var children = new List<ReconcileItem>(16);
        for (var i = 0; i < 16; i++)
        {
            var start = _from + (i * _width);
            if (start > _to)
            {
                break;
            }

            var end = Math.Min(_to, start + _width - 1);
            children.Add(new SeqFingerprintItem(_origin, start, end, _children[i].Count, _children[i].Fingerprint()));
        }

        return output.TryAddAll(children);
    }
}
