using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// The peer listed every entry it holds in a seq range of one feed. Walking this node's own entries of the range beside
/// the list gives the difference exactly: entries only here are pushed, entries only there are needed, and entries on
/// both sides with different leaves (an origin that signed twice) go both ways, so each side settles the conflict.
/// </summary>
internal sealed class SeqListWork(NodeId origin, long from, long to, IReadOnlyList<SeqEntry> theirs) : ReconcileWork
{
    private readonly List<(long From, long To)> _needs = [];
    private readonly List<(long From, long To)> _conflicts = [];
    private NeedItem? _need;
    private long _next = from;
    private int _their;
    private long _runStart = -1;
    private long _runEnd = -1;

    public override bool Run(ReconcileContext context, ref int budget, StepOutput output)
    {
        for (var page = context.NextSalted(origin, ref _next, to, ref budget); !page.IsEmpty; page = context.NextSalted(origin, ref _next, to, ref budget))
        {
            foreach (var salted in page)
            {
                var seq = salted.Seq;
                NeedTheirsBelow(seq);
                if (_their < theirs.Count && theirs[_their].Seq == seq)
                {
                    if (theirs[_their].Fingerprint != salted.Fingerprint)
                    {
                        Pushed(context, seq);
                        Append(_conflicts, seq);
                    }

                    _their++;
                }
                else
                {
                    Pushed(context, seq);
                }
            }
        }

        if (_next <= to)
        {
            return false;
        }

        NeedTheirsBelow(long.MaxValue);
        FlushPushes(context);
        if (_needs.Count == 0 && _conflicts.Count == 0)
        {
            return true;
        }

        // What arrived since the snapshot is no longer needed; a seq held with other content is, whatever happened.
        _need ??= context.Need(origin, _needs, _conflicts);
        return _need is null || output.TryAdd(_need);
    }

    private void NeedTheirsBelow(long seq)
    {
        while (_their < theirs.Count && theirs[_their].Seq < seq)
        {
            Needed(theirs[_their++].Seq);
        }
    }

    private void Needed(long seq) => Append(_needs, seq);

    private static void Append(List<(long From, long To)> ranges, long seq)
    {
        if (ranges.Count > 0 && ranges[^1].To == seq - 1)
        {
            ranges[^1] = (ranges[^1].From, seq);
        }
        else
        {
            ranges.Add((seq, seq));
        }
    }

    private void Pushed(ReconcileContext context, long seq)
    {
        if (_runEnd == seq - 1 && _runStart > 0)
        {
            _runEnd = seq;
            return;
        }

        FlushPushes(context);
        _runStart = _runEnd = seq;
    }

    private void FlushPushes(ReconcileContext context)
    {
        if (_runStart > 0)
        {
            context.Push(origin, _runStart, _runEnd);
            _runStart = _runEnd = -1;
        }
    }
}
