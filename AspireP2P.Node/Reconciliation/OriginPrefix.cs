namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// A range of origins: those whose first <see cref="Depth"/> hex digits are <see cref="Bits"/>. Origins are SHA-256
/// outputs, spread evenly, so splitting a range into its 16 children by the next hex digit splits its feeds evenly too,
/// and both sides name the same ranges without sending bounds (Negentropy sends a bound per range; this is a trie).
/// Someone who grinds keys to crowd one prefix only makes that branch deeper: at most <see cref="MaxDepth"/> levels.
/// </summary>
public readonly record struct OriginPrefix(int Depth, UInt128 Bits)
{
    public const int MaxDepth = 32;

    public static OriginPrefix Root => default;

    public bool IsValid => Depth is >= 0 and <= MaxDepth && (Depth == MaxDepth || Bits >> (4 * Depth) == 0);

    public OriginPrefix Child(int digit) => new(Depth + 1, (Bits << 4) | (uint)digit);

    /// <summary>The child of this range that holds <paramref name="key"/>.</summary>
    public int ChildDigit(UInt128 key) => (int)((key >> (128 - (4 * (Depth + 1)))) & 0xF);

    public bool Contains(UInt128 key) => Depth == 0 || key >> (128 - (4 * Depth)) == Bits;

    /// <summary>Whether <paramref name="other"/> is this range or lies inside it.</summary>
    public bool Covers(OriginPrefix other) =>
        other.Depth >= Depth && (Depth == 0 || other.Bits >> (4 * (other.Depth - Depth)) == Bits);

    /// <summary>The positions [start, end) of this range's feeds in a snapshot.</summary>
    public (int Start, int End) Locate(FeedSnapshot snapshot)
    {
        if (Depth == 0)
        {
            return (0, snapshot.Feeds.Length);
        }

        var shift = 128 - (4 * Depth);
        var start = snapshot.LowerBound(Bits << shift);
        var next = Bits + 1;
        var end = Depth < MaxDepth && next >> (4 * Depth) != 0 ? snapshot.Feeds.Length : snapshot.LowerBound(next << shift);
        return (start, Math.Max(start, end));
    }

    public override string ToString() => Depth == 0 ? "*" : Bits.ToString($"x{Depth}", System.Globalization.CultureInfo.InvariantCulture) + "*";
}
