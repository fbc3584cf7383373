using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace AspireP2P.Node.Identity;

/// <summary>
/// A node's id: the first 16 bytes of the SHA-256 of its Ed25519 public key, shown as 32 lowercase hex digits.
/// Derived from the key, as libp2p's PeerId is, so nobody can claim an id without holding its key. It is also the
/// id of the node's feed: every record the node signs carries it as <c>origin</c>, and record keys start with it.
/// </summary>
public readonly record struct NodeId(ulong High, ulong Low) : IComparable<NodeId>
{
    public const int ByteLength = 16;
    public const int TextLength = 32;

    public static NodeId None => default;

    public bool IsNone => High == 0 && Low == 0;

    public static NodeId FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(publicKey, hash);
        return Read(hash);
    }

    public static NodeId Read(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
    }

    public static bool TryParse([NotNullWhen(true)] string? text, out NodeId id) => TryParse(text.AsSpan(), out id);

    public static bool TryParse(ReadOnlySpan<char> text, out NodeId id)
    {
        id = default;
        if (text.Length != TextLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[ByteLength];
        foreach (var c in text)
        {
            // Only the canonical lowercase form: one id, one spelling (ids are compared as text in keys).
            if (!char.IsAsciiDigit(c) && c is < 'a' or > 'f')
            {
                return false;
            }
        }

        if (Convert.FromHexString(text, bytes, out _, out _) != OperationStatus.Done)
        {
            return false;
        }

        id = Read(bytes);
        return !id.IsNone;
    }

    public static bool TryParse(ReadOnlySpan<byte> utf8, out NodeId id)
    {
        id = default;
        if (utf8.Length != TextLength)
        {
            return false;
        }

        Span<char> text = stackalloc char[TextLength];
        for (var i = 0; i < TextLength; i++)
        {
            text[i] = (char)utf8[i];
        }

        return TryParse(text, out id);
    }

    public int CompareTo(NodeId other)
    {
        var high = High.CompareTo(other.High);
        return high != 0 ? high : Low.CompareTo(other.Low);
    }

    public static bool operator <(NodeId left, NodeId right) => left.CompareTo(right) < 0;

    public static bool operator >(NodeId left, NodeId right) => left.CompareTo(right) > 0;

    public static bool operator <=(NodeId left, NodeId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(NodeId left, NodeId right) => left.CompareTo(right) >= 0;

    public override string ToString() => string.Create(TextLength, this, static (chars, id) =>
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        id.Write(bytes);
        Convert.TryToHexStringLower(bytes, chars, out _);
    });

    /// <summary>Eight hex digits, for log lines and display where the full id is noise.</summary>
    public string Abbreviated => ToString()[..8];
}
