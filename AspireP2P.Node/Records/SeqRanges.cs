namespace AspireP2P.Node.Records;

/// <summary>Inclusive ranges of sequence numbers, sorted and disjoint; the arithmetic of "what do I hold that you lack".</summary>
public static class SeqRanges
{
    /// <summary>The seqs in [1, high] outside the gaps.</summary>
    public static List<(long From, long To)> Held(long high, ReadOnlySpan<long> gaps)
    {
        var held = new List<(long, long)>();
        var next = 1L;
        for (var i = 0; i + 1 < gaps.Length; i += 2)
        {
            if (gaps[i] > next)
            {
                held.Add((next, gaps[i] - 1));
            }

            next = Math.Max(next, gaps[i + 1] + 1);
        }

        if (next <= high)
        {
            held.Add((next, high));
        }

        return held;
    }

    /// <summary><paramref name="mine"/> minus <paramref name="theirs"/>.</summary>
    public static List<(long From, long To)> Subtract(List<(long From, long To)> mine, List<(long From, long To)> theirs)
    {
        var result = new List<(long, long)>();
        var j = 0;
        foreach (var (from, to) in mine)
        {
            var start = from;
            while (j < theirs.Count && theirs[j].To < start)
            {
                j++;
            }

            var k = j;
            while (start <= to)
            {
                if (k >= theirs.Count || theirs[k].From > to)
                {
                    result.Add((start, to));
                    break;
                }

                if (theirs[k].From > start)
                {
                    result.Add((start, theirs[k].From - 1));
                }

                start = Math.Max(start, theirs[k].To + 1);
                k++;
            }
        }

        return result;
    }

    public static long Count(List<(long From, long To)> ranges) => ranges.Sum(r => r.To - r.From + 1);
}
