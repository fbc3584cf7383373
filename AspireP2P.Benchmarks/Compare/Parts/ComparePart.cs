namespace AspireP2P.Benchmarks.Compare.Parts;

/// <summary>
/// One part of <c>compare</c> for one side: its figures, and one round of its measurements. The runner interleaves the
/// rounds of both sides (baseline, then current, then current, then baseline, …), so load that comes and goes on the
/// shared machine falls on both alike.
/// </summary>
public abstract class ComparePart(Side side)
{
    public Side Side { get; } = side;

    public abstract int Rounds { get; }

    public abstract Task RoundAsync(int round);
}
