using System.Globalization;
using System.Text;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Protocol;

namespace AspireP2P.Node.Mesh;

/// <summary>What the dialer proposed, kept until the link is up.</summary>
public sealed record DialRequest(byte[] Nonce, IReadOnlyDictionary<string, string> Headers);

/// <summary>Who answered a dial: one of our nodes (with its proven id) or a tutorial node.</summary>
public sealed record Acceptance(bool IsTutorial, NodeId PeerId, string? PeerName, PeerAddress? PeerAddress, byte[] PeerNonce, string? KeyId);

/// <summary>An upgrade request from one of our nodes, as the acceptor read it (null fields: a tutorial node).</summary>
public sealed record InboundRequest(
    bool IsTutorial, NodeId PeerId, byte[] PublicKey, byte[] Nonce, PeerAddress? PeerAddress, string? PeerName, IReadOnlyList<string> KeyIds);

/// <summary>
/// The link handshake, in the upgrade request and response and the dialer's first message, the same over every transport.
/// Both sides prove who they are (an Ed25519 signature over the transcript: both nonces and both node ids) and, when the
/// network has keys, that they hold one (an HMAC over the same transcript; the key never crosses the wire). A node that
/// sends none of our headers is a tutorial node: it may link only where the network has no key.
/// </summary>
public static class LinkHandshake
{
    private const int NonceLength = 16;

    public static DialRequest CreateRequest(LocalNode self, byte[] nonce)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [WireProtocol.VersionHeader] = Versions(),
            [WireProtocol.NodeIdHeader] = self.Id.ToString(),
            [WireProtocol.PublicKeyHeader] = Convert.ToBase64String(self.Keys.PublicKey),
            [WireProtocol.NonceHeader] = Convert.ToBase64String(nonce),
            [WireProtocol.AddressHeader] = self.Address.ToString(),
        };
        if (self.Name is { } name)
        {
            headers[WireProtocol.NameHeader] = Ascii(name);
        }

        if (self.Keyring.Enabled)
        {
            headers[WireProtocol.NetworkKeysHeader] = string.Join(',', self.Keyring.KeyIds);
        }

        return new DialRequest(nonce, headers);
    }

    /// <summary>Reads an upgrade request; an error string says why it cannot be one of ours.</summary>
    public static (InboundRequest? Request, int Status, string? Error) ReadRequest(IReadOnlyDictionary<string, string> headers, LocalNode self)
    {
        var hasVersion = headers.TryGetValue(WireProtocol.VersionHeader, out var versions);
        var hasId = headers.TryGetValue(WireProtocol.NodeIdHeader, out var idText);
        if (!hasVersion && !hasId)
        {
            return (new InboundRequest(true, default, [], [], null, null, []), 0, null);
        }

        if (!hasVersion || !Speaks(versions!))
        {
            return (null, 426, $"protocol version {(hasVersion ? versions : "1")} is not spoken here (this node speaks {Versions()})");
        }

        if (!NodeId.TryParse(idText, out var peerId)
            || !TryBase64(headers, WireProtocol.PublicKeyHeader, out var publicKey) || NodeId.FromPublicKey(publicKey) != peerId
            || !TryBase64(headers, WireProtocol.NonceHeader, out var nonce) || nonce.Length != NonceLength)
        {
            return (null, 400, "the upgrade request's node id, public key or nonce is missing or invalid (the id must be derived from the key)");
        }

        if (peerId == self.Id)
        {
            return (null, 409, "that address is this node itself");
        }

        PeerAddress? address = headers.TryGetValue(WireProtocol.AddressHeader, out var addressText) && PeerAddress.TryParse(addressText, out var parsed, out _) ? parsed : null;
        var name = headers.TryGetValue(WireProtocol.NameHeader, out var nameText) && nameText.Length is > 0 and <= 64 ? nameText : null;
        var keyIds = headers.TryGetValue(WireProtocol.NetworkKeysHeader, out var keys)
            ? keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(8).ToArray()
            : [];
        return (new InboundRequest(false, peerId, publicKey, nonce, address, name, keyIds), 0, null);
    }

    /// <summary>The acceptor's answer headers to one of our nodes: its identity, nonce, and proofs over the transcript.</summary>
    public static (Dictionary<string, string> Headers, byte[] Nonce, string? KeyId) CreateResponse(LocalNode self, InboundRequest request, byte[] nonce)
    {
        var keyId = self.Keyring.Enabled ? self.Keyring.Choose(request.KeyIds) : null;
        var transcript = Transcript(request.Nonce, nonce, request.PeerId, self.Id, keyId);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [WireProtocol.VersionHeader] = WireProtocol.MaxVersion.ToString(CultureInfo.InvariantCulture),
            [WireProtocol.NodeIdHeader] = self.Id.ToString(),
            [WireProtocol.PublicKeyHeader] = Convert.ToBase64String(self.Keys.PublicKey),
            [WireProtocol.NonceHeader] = Convert.ToBase64String(nonce),
            [WireProtocol.AddressHeader] = self.Address.ToString(),
            [WireProtocol.SignatureHeader] = Convert.ToBase64String(self.Keys.Sign(Role("accept", transcript))),
        };
        if (self.Name is { } name)
        {
            headers[WireProtocol.NameHeader] = Ascii(name);
        }

        if (keyId is not null)
        {
            headers[WireProtocol.NetworkKeysHeader] = keyId;
            headers[WireProtocol.ProofHeader] = Convert.ToBase64String(self.Keyring.Prove(keyId, Role("accept", transcript)));
        }

        return (headers, nonce, keyId);
    }

    /// <summary>The dialer checks the acceptor's answer; an error string says why the link must not be used.</summary>
    public static (Acceptance? Acceptance, string? Error) ReadResponse(LocalNode self, DialRequest request, IReadOnlyDictionary<string, string> headers)
    {
        if (!headers.TryGetValue(WireProtocol.NodeIdHeader, out var idText))
        {
            return self.Keyring.Enabled
                ? (null, "the peer does not hold this network's key (it answered as a node without one)")
                : (new Acceptance(true, default, null, null, [], null), null);
        }

        if (!NodeId.TryParse(idText, out var peerId)
            || !TryBase64(headers, WireProtocol.PublicKeyHeader, out var publicKey) || NodeId.FromPublicKey(publicKey) != peerId
            || !TryBase64(headers, WireProtocol.NonceHeader, out var peerNonce) || peerNonce.Length != NonceLength
            || !TryBase64(headers, WireProtocol.SignatureHeader, out var signature))
        {
            return (null, "the peer's upgrade response has no valid node id, key, nonce or signature");
        }

        var keyId = headers.TryGetValue(WireProtocol.NetworkKeysHeader, out var chosen) ? chosen : null;
        var transcript = Transcript(request.Nonce, peerNonce, self.Id, peerId, keyId);
        if (!self.Keys.Scheme.Verify(publicKey, Role("accept", transcript), signature))
        {
            return (null, $"the peer could not prove it is node {peerId} (bad signature)");
        }

        if (self.Keyring.Enabled)
        {
            if (keyId is null || !TryBase64(headers, WireProtocol.ProofHeader, out var proof) || !self.Keyring.Verify(keyId, Role("accept", transcript), proof))
            {
                return (null, "the peer could not prove it holds this network's key");
            }
        }
        else if (keyId is not null)
        {
            return (null, "the peer's network has a key and this node has none");
        }

        PeerAddress? address = headers.TryGetValue(WireProtocol.AddressHeader, out var addressText) && PeerAddress.TryParse(addressText, out var parsed, out _) ? parsed : null;
        var name = headers.TryGetValue(WireProtocol.NameHeader, out var nameText) && nameText.Length is > 0 and <= 64 ? nameText : null;
        return (new Acceptance(false, peerId, name, address, peerNonce, keyId), null);
    }

    /// <summary>The dialer's HELLO: its identity signature and network-key proof over the same transcript.</summary>
    public static byte[] CreateHello(LocalNode self, DialRequest request, Acceptance acceptance)
    {
        var transcript = Transcript(request.Nonce, acceptance.PeerNonce, self.Id, acceptance.PeerId, acceptance.KeyId);
        var proof = acceptance.KeyId is { } keyId ? self.Keyring.Prove(keyId, Role("dial", transcript)) : null;
        return MessageCodec.EncodeHello(proof, self.Keys.Sign(Role("dial", transcript)));
    }

    /// <summary>The acceptor checks the dialer's HELLO; an error string says why the link is refused.</summary>
    public static string? VerifyHello(LocalNode self, InboundRequest request, byte[] acceptorNonce, string? keyId, HelloMessage hello)
    {
        var transcript = Transcript(request.Nonce, acceptorNonce, request.PeerId, self.Id, keyId);
        if (!self.Keys.Scheme.Verify(request.PublicKey, Role("dial", transcript), hello.Signature))
        {
            return $"the dialer could not prove it is node {request.PeerId} (bad signature)";
        }

        if (keyId is not null && (hello.Proof is null || !self.Keyring.Verify(keyId, Role("dial", transcript), hello.Proof)))
        {
            return "the dialer could not prove it holds this network's key";
        }

        return null;
    }

    public static byte[] Transcript(byte[] dialerNonce, byte[] acceptorNonce, NodeId dialer, NodeId acceptor, string? keyId)
    {
        var key = Encoding.ASCII.GetBytes(keyId ?? string.Empty);
        var transcript = new byte[NonceLength * 2 + NodeId.ByteLength * 2 + key.Length];
        dialerNonce.CopyTo(transcript, 0);
        acceptorNonce.CopyTo(transcript, NonceLength);
        dialer.Write(transcript.AsSpan(NonceLength * 2));
        acceptor.Write(transcript.AsSpan(NonceLength * 2 + NodeId.ByteLength));
        key.CopyTo(transcript, NonceLength * 2 + NodeId.ByteLength * 2);
        return transcript;
    }

    public static byte[] NewNonce(Func<int, byte[]> random) => random(NonceLength);

    private static byte[] Role(string role, byte[] transcript) => [.. Encoding.ASCII.GetBytes($"aspirep2p/link/v2/{role}\n"), .. transcript];

    private static string Versions() => WireProtocol.MinVersion == WireProtocol.MaxVersion
        ? WireProtocol.MaxVersion.ToString(CultureInfo.InvariantCulture)
        : $"{WireProtocol.MinVersion}-{WireProtocol.MaxVersion}";

    /// <summary>Whether a peer's version list ("2", "2-3", "1,2") overlaps ours.</summary>
    private static bool Speaks(string versions)
    {
        foreach (var part in versions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-', 2);
            if (int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
                && int.TryParse(bounds[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
                && low <= WireProtocol.MaxVersion && high >= WireProtocol.MinVersion)
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryBase64(IReadOnlyDictionary<string, string> headers, string name, out byte[] bytes)
    {
        bytes = [];
        if (!headers.TryGetValue(name, out var text) || text.Length > 256)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Ascii(string text) => new(text.Where(c => c is >= ' ' and < (char)127).Take(64).ToArray());
}
