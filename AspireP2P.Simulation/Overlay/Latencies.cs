namespace AspireP2P.Simulation.Overlay;

/// <summary>A link's one-way delay, the same both ways and for the whole run, drawn from the pair and the seed (no per-process hashing).</summary>
public sealed class Latencies(TimeSpan min, TimeSpan max, int seed)
{
    public TimeSpan Of(int a, int b)
    {
        var (low, high) = a < b ? (a, b) : (b, a);
        var mixed = Mix(((ulong)(uint)low << 32) ^ (uint)high ^ ((ulong)(uint)seed * 0x9E3779B97F4A7C15));
        var fraction = (mixed >> 11) * (1.0 / (1UL << 53));
        return min + ((max - min) * fraction);
    }

    /// <summary>SplitMix64's finalizer.</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
