using System.Globalization;

namespace AspireP2P.Node.Records;

/// <summary>
/// A 128-bit summary of everything a node holds, feed by feed: equal digests mean equal feeds (up to a collision of
/// SHA-256 truncated to 128 bits). It only decides when two nodes compare their vectors; a full comparison also runs on
/// a fixed schedule, so even a collision delays repair, never prevents it.
/// </summary>
public readonly record struct FeedDigest(ulong High, ulong Low)
{
    public static FeedDigest Empty => default;

    public FeedDigest Combine(FeedDigest other) => new(High ^ other.High, Low ^ other.Low);

    public override string ToString() => $"{High:x16}{Low:x16}";

    public static bool TryParse(ReadOnlySpan<char> text, out FeedDigest digest)
    {
        digest = default;
        if (text.Length != 32
            || !ulong.TryParse(text[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            || !ulong.TryParse(text[16..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low))
        {
            return false;
        }

        digest = new FeedDigest(high, low);
        return true;
    }
}
