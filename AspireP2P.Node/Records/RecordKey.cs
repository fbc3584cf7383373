using AspireP2P.Node.Identity;

namespace AspireP2P.Node.Records;

/// <summary>The shape of record keys: our nodes' keys name a feed entry, <c>&lt;origin&gt;-&lt;seq&gt;</c>.</summary>
public static class RecordKey
{
    /// <summary>Whether a key has the form of a feed entry's key (so only that origin's signature can vouch for it).</summary>
    public static bool NamesAFeed(string key, out NodeId origin, out long seq)
    {
        origin = default;
        seq = 0;
        return key.Length > NodeId.TextLength + 1 && key[NodeId.TextLength] == '-'
            && NodeId.TryParse(key.AsSpan(0, NodeId.TextLength), out origin)
            && long.TryParse(key.AsSpan(NodeId.TextLength + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seq)
            && seq > 0;
    }

    public static bool NamesAFeed(string key) => NamesAFeed(key, out _, out _);
}
