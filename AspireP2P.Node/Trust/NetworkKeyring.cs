using System.Security.Cryptography;
using System.Text;

namespace AspireP2P.Node.Trust;

/// <summary>
/// The network keys (<c>--network-key k1[,k2…]</c>): a shared secret that admits a node to the network, as Serf's
/// keyring does. Both sides of every link prove they hold a key (HMAC-SHA256 over both nonces and both node ids), and
/// the key itself never crosses the wire. Several keys may be installed for rotation: the dialer lists the ids of the
/// keys it holds, and the acceptor picks the first of its own keys that the dialer also holds, so nodes with [k2, k1]
/// and nodes with [k1] still link while a rotation is under way.
/// </summary>
public sealed class NetworkKeyring
{
    private readonly (string Id, byte[] Key)[] _keys;

    public NetworkKeyring(string? configured)
    {
        _keys = (configured ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(text => Derive(text))
            .DistinctBy(k => k.Id)
            .ToArray();
    }

    public static NetworkKeyring None { get; } = new(null);

    public bool Enabled => _keys.Length > 0;

    /// <summary>Ids of the installed keys, the one in use first. An id tells which key, and nothing about it.</summary>
    public IReadOnlyList<string> KeyIds => _keys.Select(k => k.Id).ToArray();

    /// <summary>The first of our keys the other side also holds.</summary>
    public string? Choose(IEnumerable<string> theirs)
    {
        var offered = theirs.ToHashSet(StringComparer.Ordinal);
        return _keys.FirstOrDefault(k => offered.Contains(k.Id)).Id;
    }

    public bool Holds(string keyId) => _keys.Any(k => k.Id == keyId);

    public byte[] Prove(string keyId, ReadOnlySpan<byte> transcript) => HMACSHA256.HashData(KeyOf(keyId), transcript);

    public bool Verify(string keyId, ReadOnlySpan<byte> transcript, ReadOnlySpan<byte> proof)
    {
        if (!Holds(keyId) || proof.Length != HMACSHA256.HashSizeInBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(KeyOf(keyId), transcript, expected);
        return CryptographicOperations.FixedTimeEquals(expected, proof);
    }

    private byte[] KeyOf(string keyId) => _keys.First(k => k.Id == keyId).Key;

    private static (string Id, byte[] Key) Derive(string text)
    {
        // Any text is a key; what is used is a 32-byte key derived from it, and an id derived from that.
        var key = SHA256.HashData(Encoding.UTF8.GetBytes("aspirep2p/network-key/v1\n" + text));
        var id = Convert.ToHexStringLower(HMACSHA256.HashData(key, "aspirep2p/key-id/v1"u8))[..12];
        return (id, key);
    }
}
