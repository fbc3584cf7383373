using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// The fingerprint of a range of items, Negentropy's way: the sum modulo 2^256 of the items' hashes and their count,
/// hashed together and truncated to 16 bytes. Within a session every item's hash is keyed by the session's salt
/// (SHA-256 of salt and item), a salt chosen when the session opens: whoever chose the items' content could not know it,
/// so no one can make two different ranges fingerprint alike, and each session's comparisons are independent of the last.
/// </summary>
public struct RangeSum
{
    public const int SaltLength = 16;

    private static ReadOnlySpan<byte> Tag => "aspirep2p/range/v1\n"u8;

    private ulong _w0, _w1, _w2, _w3;

    public long Count { get; private set; }

    /// <summary>Adds an item (32 bytes: a feed's digest, an entry's leaf) keyed by the session's salt.</summary>
    public void AddSalted(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> item)
    {
        Span<byte> hash = stackalloc byte[32];
        SaltedHash(salt, item, hash);
        AddHash(hash);
    }

    /// <summary>Adds a 32-byte hash as it is (the unsalted root of the heartbeat sums feed digests this way).</summary>
    public void AddHash(ReadOnlySpan<byte> hash)
    {
        ulong carry = 0;
        _w0 = AddWord(_w0, BinaryPrimitives.ReadUInt64LittleEndian(hash), ref carry);
        _w1 = AddWord(_w1, BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]), ref carry);
        _w2 = AddWord(_w2, BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]), ref carry);
        _w3 = AddWord(_w3, BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]), ref carry);
        Count++;
    }

    /// <summary>Adds another range's items (ranges that do not overlap: the children of one range).</summary>
    public void Merge(in RangeSum other)
    {
        ulong carry = 0;
        _w0 = AddWord(_w0, other._w0, ref carry);
        _w1 = AddWord(_w1, other._w1, ref carry);
        _w2 = AddWord(_w2, other._w2, ref carry);
        _w3 = AddWord(_w3, other._w3, ref carry);
        Count += other.Count;
    }

    /// <summary>The range made of these (non-overlapping) ranges.</summary>
    public static RangeSum Total(ReadOnlySpan<RangeSum> parts)
    {
        var total = default(RangeSum);
        foreach (var part in parts)
        {
            total.Merge(part);
        }

        return total;
    }

    /// <summary>Takes out a hash added with <see cref="AddHash"/>.</summary>
    public void SubtractHash(ReadOnlySpan<byte> hash)
    {
        ulong borrow = 0;
        _w0 = SubtractWord(_w0, BinaryPrimitives.ReadUInt64LittleEndian(hash), ref borrow);
        _w1 = SubtractWord(_w1, BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]), ref borrow);
        _w2 = SubtractWord(_w2, BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]), ref borrow);
        _w3 = SubtractWord(_w3, BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]), ref borrow);
        Count--;
    }

    /// <summary>SHA-256(tag, sum, count), first 16 bytes; the empty range has a fingerprint too.</summary>
    public readonly UInt128 Fingerprint()
    {
        Span<byte> input = stackalloc byte[Tag.Length + 40];
        Tag.CopyTo(input);
        var at = Tag.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(input[at..], _w0);
        BinaryPrimitives.WriteUInt64LittleEndian(input[(at + 8)..], _w1);
        BinaryPrimitives.WriteUInt64LittleEndian(input[(at + 16)..], _w2);
        BinaryPrimitives.WriteUInt64LittleEndian(input[(at + 24)..], _w3);
        BinaryPrimitives.WriteInt64LittleEndian(input[(at + 32)..], Count);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    /// <summary>SHA-256(salt, item): an item's hash within one session.</summary>
    public static void SaltedHash(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> item, Span<byte> hash)
    {
        Span<byte> input = stackalloc byte[SaltLength + 32];
        salt[..SaltLength].CopyTo(input);
        item[..32].CopyTo(input[SaltLength..]);
        SHA256.HashData(input, hash);
    }

    /// <summary>The first 16 bytes of an item's salted hash: how lists of items are compared one by one.</summary>
    public static UInt128 ItemFingerprint(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> item)
    {
        Span<byte> hash = stackalloc byte[32];
        SaltedHash(salt, item, hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    private static ulong AddWord(ulong a, ulong b, ref ulong carry)
    {
        var sum = a + b;
        var overflow = sum < a ? 1UL : 0UL;
        var total = sum + carry;
        overflow += total < sum ? 1UL : 0UL;
        carry = overflow;
        return total;
    }

    private static ulong SubtractWord(ulong a, ulong b, ref ulong borrow)
    {
        var difference = a - b;
        var under = a < b ? 1UL : 0UL;
        var total = difference - borrow;
        under += difference < borrow ? 1UL : 0UL;
        borrow = under;
        return total;
    }
}
