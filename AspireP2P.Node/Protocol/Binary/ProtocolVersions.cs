using System.Globalization;

namespace AspireP2P.Node.Protocol.Binary;

/// <summary>
/// Which protocol a link speaks, chosen in the upgrade. The dialer sends the range it speaks in X-P2P-Version ("2-3");
/// the acceptor answers the highest version both speak, in the same header; both then use it for the link's life.
/// Version 2: JSON text frames (today's). Version 3: binary frames (<see cref="BinaryCodec"/>), eager/lazy push,
/// reconciliation, HyParView membership. A version-2 node, which answers "2", keeps talking JSON with a version-3 node;
/// a tutorial node sends no header at all and always gets the tutorial's JSON.
/// </summary>
public static class ProtocolVersions
{
    public const int Json = 2;
    public const int Binary = 3;

    /// <summary>The highest version in both <paramref name="theirs"/> ("2", "2-3", "1,2") and [<paramref name="min"/>, <paramref name="max"/>], or null.</summary>
    public static int? Choose(string? theirs, int min, int max)
    {
        int? best = null;
        foreach (var part in (theirs ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', 2);
            if (int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
                && int.TryParse(bounds[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
                && low <= high)
            {
                var top = Math.Min(high, max);
                if (top >= Math.Max(low, min) && (best is null || top > best))
                {
                    best = top;
                }
            }
        }

        return best;
    }

    /// <summary>How a node names the versions it speaks: "3", or "2-3".</summary>
    public static string Range(int min, int max) => min == max
        ? max.ToString(CultureInfo.InvariantCulture)
        : $"{min.ToString(CultureInfo.InvariantCulture)}-{max.ToString(CultureInfo.InvariantCulture)}";
}
