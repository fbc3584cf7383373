using System.IO.Hashing;
using System.Text;

namespace AspireP2P.Tests.Processes;

/// <summary>
/// Record values that make two different sets of records look the same to the node before the rewrite (e413e3c), whose
/// digest was the count and the XOR of an unkeyed XxHash64 over each record's key, a zero byte and its value's JSON
/// (Records/StoredRecord.cs there). Keys are predictable (<c>&lt;node id&gt;-&lt;seq&gt;</c>), so anyone can steer it: eight
/// values whose hashes XOR to a target are found by Wagner's generalized-birthday (k-tree) algorithm with k = 8 — eight
/// lists of 2^17 candidates, three rounds of merging on 16, 16 and 32 bits — in well under a second. For the rewritten
/// node they are just values: its digest is a keyed hash of signed entries.
/// </summary>
public static class OldDigestCollision
{
    private const int Candidates = 1 << 17;

    /// <summary>The old node's content hash of a record.</summary>
    public static ulong Hash(string key, string valueJson)
    {
        var bytes = Encoding.UTF8.GetBytes(key + "\0" + valueJson);
        return XxHash64.HashToUInt64(bytes);
    }

    /// <summary>
    /// Finds one string value for each of the eight keys such that the XOR of the old hashes of the eight records is
    /// <paramref name="target"/>.
    /// </summary>
    public static string[] Find(IReadOnlyList<string> keys, ulong target)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(keys.Count, 8);
        var leaves = new Level[8];
        for (var list = 0; list < 8; list++)
        {
            var values = new ulong[Candidates];
            for (var j = 0; j < Candidates; j++)
            {
                values[j] = Hash(keys[list], NodeApiReads.Json(Candidate(list, j))) ^ (list == 7 ? target : 0);
            }

            leaves[list] = new Level(values, [.. Enumerable.Range(0, Candidates)], []);
        }

        // Each round keeps the pairs whose XOR is zero on the next bits; the last one keeps those that are zero everywhere.
        var halves = Enumerable.Range(0, 4).Select(i => Merge(leaves[2 * i], leaves[(2 * i) + 1], 0, 16)).ToArray();
        var quarters = Enumerable.Range(0, 2).Select(i => Merge(halves[2 * i], halves[(2 * i) + 1], 16, 32)).ToArray();
        var solutions = Merge(quarters[0], quarters[1], 32, 64);
        if (solutions.Values.Length == 0)
        {
            throw new InvalidOperationException("no collision among the candidates (about 256 are expected); try other keys");
        }

        var picks = new int[8];
        Unwind(0, 0, 3);
        return [.. picks.Select((j, list) => Candidate(list, j))];

        void Unwind(int index, int list, int depth)
        {
            if (depth == 0)
            {
                picks[list] = index;
                return;
            }

            var level = depth == 3 ? solutions : depth == 2 ? quarters[list] : halves[list];
            Unwind(level.Left[index], 2 * list, depth - 1);
            Unwind(level.Right[index], (2 * list) + 1, depth - 1);
        }
    }

    private static string Candidate(int list, int j) => $"collide-{list}-{j}";

    /// <summary>Pairs of an element of <paramref name="a"/> and one of <paramref name="b"/> that are equal on bits [lo, hi).</summary>
    private static Level Merge(Level a, Level b, int lo, int hi)
    {
        var mask = hi == 64 ? ulong.MaxValue : (1UL << (hi - lo)) - 1;
        var keys = b.Values.Select(v => (v >> lo) & mask).ToArray();
        var order = Enumerable.Range(0, keys.Length).ToArray();
        Array.Sort(keys, order);
        var values = new List<ulong>();
        var left = new List<int>();
        var right = new List<int>();
        for (var i = 0; i < a.Values.Length; i++)
        {
            var key = (a.Values[i] >> lo) & mask;
            var first = LowerBound(keys, key);
            for (var k = first; k < keys.Length && keys[k] == key; k++)
            {
                values.Add(a.Values[i] ^ b.Values[order[k]]);
                left.Add(i);
                right.Add(order[k]);
            }
        }

        return new Level([.. values], [.. left], [.. right]);
    }

    private static int LowerBound(ulong[] sorted, ulong key)
    {
        var (low, high) = (0, sorted.Length);
        while (low < high)
        {
            var middle = (low + high) / 2;
            (low, high) = sorted[middle] < key ? (middle + 1, high) : (low, middle);
        }

        return low;
    }

    /// <summary>One list of a round: each element's value and the two elements (or the candidate) it was made from.</summary>
    private sealed record Level(ulong[] Values, int[] Left, int[] Right);
}
