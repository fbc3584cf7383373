using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace AspireP2P.Node.Reconciliation;

/// <summary>
/// What a feed's entries are, in 128 bytes whatever their number: the sum, modulo 2^1024, of a 1024-bit expansion of each
/// entry's leaf hash (four SHA-256s under a domain tag). Entries can be added and taken out in any order (they arrive out
/// of order, and a conflict replaces one), so it is kept up to date per entry without reading the log.
/// <para>Why 1024 bits and not XOR or a 256-bit sum: an origin that signs two entries for one seq chooses their content,
/// so it can try to make two different sets of its entries sum alike. XOR falls to linear algebra (65 entries);
/// a sum modulo 2^256 — Negentropy's — to Wagner's k-tree (about 2^15 entries and 2^31 hashes) and to lattice
/// reduction. Modulo 2^1024 the k-tree needs 2^(1024/(log2 k + 1)) hashes per list (2^49 with a million entries) and
/// the lattice attack a reduction far beyond BKZ's reach, so the content of a feed cannot be steered to collide.</para>
/// </summary>
public struct ContentSum : IEquatable<ContentSum>
{
    public const int ByteLength = Limbs * 8;

    private const int Limbs = 16;
    private static ReadOnlySpan<byte> Tag => "aspirep2p/content/v1\n"u8;

    private Words _words;

    public void Add(ReadOnlySpan<byte> leaf)
    {
        Span<ulong> term = stackalloc ulong[Limbs];
        Expand(leaf, term);
        ulong carry = 0;
        for (var i = 0; i < Limbs; i++)
        {
            var sum = _words[i] + term[i];
            var overflow = sum < _words[i] ? 1UL : 0UL;
            var total = sum + carry;
            overflow += total < sum ? 1UL : 0UL;
            _words[i] = total;
            carry = overflow;
        }
    }

    public void Subtract(ReadOnlySpan<byte> leaf)
    {
        Span<ulong> term = stackalloc ulong[Limbs];
        Expand(leaf, term);
        ulong borrow = 0;
        for (var i = 0; i < Limbs; i++)
        {
            var difference = _words[i] - term[i];
            var under = _words[i] < term[i] ? 1UL : 0UL;
            var total = difference - borrow;
            under += difference < borrow ? 1UL : 0UL;
            _words[i] = total;
            borrow = under;
        }
    }

    public readonly void Write(Span<byte> destination)
    {
        for (var i = 0; i < Limbs; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * 8)..], _words[i]);
        }
    }

    public readonly bool Equals(ContentSum other) => ((ReadOnlySpan<ulong>)_words).SequenceEqual(other._words);

    public override readonly bool Equals(object? obj) => obj is ContentSum other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(_words[0], _words[1]);

    public static bool operator ==(ContentSum left, ContentSum right) => left.Equals(right);

    public static bool operator !=(ContentSum left, ContentSum right) => !left.Equals(right);

    /// <summary>The leaf's 1024-bit term: SHA-256(tag, i, leaf) for i = 0..3, as sixteen little-endian words.</summary>
    private static void Expand(ReadOnlySpan<byte> leaf, Span<ulong> term)
    {
        Span<byte> input = stackalloc byte[Tag.Length + 1 + leaf.Length];
        Tag.CopyTo(input);
        leaf.CopyTo(input[(Tag.Length + 1)..]);
        Span<byte> block = stackalloc byte[32];
        for (var i = 0; i < 4; i++)
        {
            input[Tag.Length] = (byte)i;
            SHA256.HashData(input, block);
            for (var j = 0; j < 4; j++)
            {
                term[(i * 4) + j] = BinaryPrimitives.ReadUInt64LittleEndian(block[(j * 8)..]);
            }
        }
    }

    [InlineArray(Limbs)]
    private struct Words
    {
        private ulong _element;
    }
}
