using System.Text;
using AspireP2P.Node.Protocol;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// Decoding never throws past the codec (issue 20, case 1: valid JSON the decoder then failed on with an exception type it
/// did not catch ended a link's reader, and the link stayed listed, dead). Whatever the bytes, the answer is a message or
/// a rejection with a reason.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class MessageCodecFuzzTests
{
    private const string Origin = "0123456789abcdef0123456789abcdef";
    private const string Digest = "00000000000000010000000000000002";

    private readonly MessageCodec _codec = new(1024);

    /// <summary>Valid JSON that a strict reader still refuses to turn into strings or numbers, and shapes no node sends.</summary>
    public static TheoryData<string, string> Awkward => new()
    {
        { "a lone surrogate in the handshake's address", "{\"type\":\"HANDSHAKE\",\"payload\":\"\\ud800\"}" },
        { "a lone surrogate in the type", "{\"type\":\"\\udfff\",\"payload\":1}" },
        { "a lone surrogate in a record key", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"\\ud800x\",\"value\":1}}" },
        { "a lone surrogate in the origin", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"origin\":\"\\ud800\",\"seq\":1}" },
        { "a lone surrogate in a heartbeat's peers", "{\"type\":\"HEARTBEAT\",\"digest\":\"" + Digest + "\",\"peers\":[\"\\udc00:1\"]}" },
        { "a lone surrogate in a traceparent", "{\"type\":\"HANDSHAKE\",\"payload\":\"127.0.0.1:1\",\"traceparent\":\"\\ud800\"}" },
        { "a lone surrogate in a vector's xor", "{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"" + Digest + "\",\"feeds\":[[\"" + Origin + "\",1,\"\\ud800\",[]]]}" },
        { "an escaped origin", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"origin\":\"\\u0030123456789abcdef0123456789abcdef\",\"seq\":1}" },
        { "a seq beyond 64 bits", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"origin\":\"" + Origin + "\",\"seq\":99999999999999999999999}" },
        { "a fraction where an integer belongs", "{\"type\":\"HEARTBEAT\",\"digest\":\"" + Digest + "\",\"rx\":1.5}" },
        { "a leaf index beyond its count", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"origin\":\"" + Origin + "\",\"seq\":1,\"ts\":1,\"sig\":\"AQID\",\"pk\":\"BAUG\",\"leaf\":[2147483647,-5]}" },
        { "nesting deeper than the reader allows", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":" + new string('[', 200) + new string(']', 200) + "}}" },
        { "a vector of feeds out of order", "{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"" + Digest + "\",\"feeds\":[[\"" + Origin + "\",5,\"0\",[4,2]]]}" },
        { "a vector with a negative high", "{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"" + Digest + "\",\"feeds\":[[\"" + Origin + "\",-1,\"0\",[]]]}" },
        { "an address with a port out of range", "{\"type\":\"HANDSHAKE\",\"payload\":\"127.0.0.1:99999999999\"}" },
        { "an address that is an IPv6 mess", "{\"type\":\"HANDSHAKE\",\"payload\":\"[:::::]:1\"}" },
        { "base64 that is not", "{\"type\":\"HELLO\",\"sig\":\"@@@@\"}" },
        { "duplicate payloads of two shapes", "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":1},\"payload\":\"x\"}" },
    };

    [Theory]
    [MemberData(nameof(Awkward))]
    public void AwkwardValidJsonIsAnsweredNeverThrown(string because, string json)
    {
        var result = Decode(json);

        Assert.True(result.Message is not null || result.Detail is { Length: > 0 }, because);
    }

    [Fact]
    public void TheQuickLookAtARecordNeverThrowsEither()
    {
        foreach (var json in Awkward.Select(row => row.Data.Item2))
        {
            MessageCodec.TryPeekFeedEntry(Encoding.UTF8.GetBytes(json), out _, out _, out _);
        }
    }

    [Fact]
    public void ThousandsOfMutatedMessagesAreEachAMessageOrARejection()
    {
        string[] seeds =
        [
            "{\"type\":\"HANDSHAKE\",\"payload\":\"127.0.0.1:3030\"}",
            "{\"type\":\"NEW_RECORD\",\"payload\":{\"key\":\"k\",\"value\":{\"a\":[1,2,\"x\"]}},\"origin\":\"" + Origin + "\",\"seq\":7,\"ts\":1,\"sig\":\"AQID\",\"pk\":\"BAUG\",\"proof\":\"AQID\",\"leaf\":[0,2],\"hops\":3,\"sync\":true}",
            "{\"type\":\"HEARTBEAT\",\"digest\":\"" + Digest + "\",\"records\":4,\"lag\":0,\"rx\":3,\"peers\":[\"127.0.0.1:1\",\"[::1]:2\"]}",
            "{\"type\":\"VECTOR\",\"rx\":0,\"digest\":\"" + Digest + "\",\"full\":true,\"last\":true,\"feeds\":[[\"" + Origin + "\",9,\"00ff\",[2,3,5,5]]]}",
            "{\"type\":\"HELLO\",\"proof\":\"AQID\",\"sig\":\"BAUG\"}",
        ];
        var random = new Random(20);
        // JSON's punctuation, escapes and literals, and bytes that are not UTF-8 on their own.
        var alphabet = "{}[]\":,\\u0123456789abcdefnulltrue-.eE "u8.ToArray().Concat(new byte[] { 0xED, 0xA0, 0x80, 0xFF, 0xC3 }).ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(seeds[i % seeds.Length]).ToList();
            for (var edits = 1 + random.Next(4); edits > 0 && bytes.Count > 0; edits--)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0:
                        bytes[at] = alphabet[random.Next(alphabet.Length)];
                        break;
                    case 1:
                        bytes.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                    default:
                        bytes.RemoveAt(at);
                        break;
                }
            }

            var frame = bytes.ToArray();
            var result = _codec.Decode(frame);
            Assert.True(result.Message is not null || result.Detail is { Length: > 0 }, Encoding.UTF8.GetString(frame));
            MessageCodec.TryPeekFeedEntry(frame, out _, out _, out _);
        }
    }

    private DecodeResult Decode(string json) => _codec.Decode(Encoding.UTF8.GetBytes(json));
}
