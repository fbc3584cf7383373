using AspireP2P.Node.Hosting;
using AspireP2P.Node.Identity;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Transport;
using AspireP2P.Node.Trust;
using AspireP2P.Tests.Infrastructure;

namespace AspireP2P.Tests.Unit;

/// <summary>
/// The link handshake: in the upgrade request, its response and the dialer's HELLO, each side proves who it is (a
/// signature over both nonces and both ids) and, on a keyed network, that it holds a network key. A node that sends
/// none of our headers is a tutorial node.
/// </summary>
[Trait(Tier.Category, Tier.Unit)]
public sealed class LinkHandshakeTests : IDisposable
{
    private const string K1 = "first-network-secret";
    private const string K2 = "second-network-secret";

    private readonly List<NodeKeys> _keys = [];
    private readonly MessageCodec _codec = new(1024);

    [Fact]
    public void TwoNodesProveWhoTheyAreAndLearnEachOthersIdNameAndAddress()
    {
        var alice = Node(1, name: "alice", port: 4001);
        var bob = Node(2, name: "bob", port: 4002);

        var (request, inbound, acceptance, hello, problem) = Handshake(alice, bob);

        Assert.False(inbound.IsTutorial);
        Assert.Equal(alice.Id, inbound.PeerId);
        Assert.Equal("alice", inbound.PeerName);
        Assert.Equal(alice.Address, inbound.PeerAddress);
        Assert.False(acceptance.IsTutorial);
        Assert.Equal(bob.Id, acceptance.PeerId);
        Assert.Equal("bob", acceptance.PeerName);
        Assert.Equal(bob.Address, acceptance.PeerAddress);
        Assert.Null(acceptance.KeyId);
        Assert.Null(hello.Proof);
        Assert.Null(problem);
        Assert.DoesNotContain(WireProtocol.NetworkKeysHeader, request.Headers.Keys);
    }

    [Fact]
    public void OnAKeyedNetworkBothSidesProveTheyHoldTheKey()
    {
        var alice = Node(1, K1);
        var bob = Node(2, K1);

        var (_, _, acceptance, hello, problem) = Handshake(alice, bob);

        Assert.Equal(bob.Keyring.KeyIds[0], acceptance.KeyId);
        Assert.NotNull(hello.Proof);
        Assert.Null(problem);
    }

    [Fact]
    public void DuringAKeyRotationNodesLinkOnTheKeyTheyShare()
    {
        var rotated = Node(1, $"{K2},{K1}");
        var old = Node(2, K1);

        var (_, _, there, _, thereProblem) = Handshake(rotated, old);
        var (_, _, back, _, backProblem) = Handshake(old, rotated);

        Assert.Equal(old.Keyring.KeyIds[0], there.KeyId);
        Assert.Equal(old.Keyring.KeyIds[0], back.KeyId);
        Assert.Null(thereProblem);
        Assert.Null(backProblem);
    }

    [Fact]
    public void ADialerRefusesAnAcceptorThatCannotProveItHoldsTheNetworkKey()
    {
        var alice = Node(1, K1);
        var request = LinkHandshake.CreateRequest(alice, Nonce(1));

        // An acceptor without the key (one with another key, or none) answers with no proof.
        foreach (var stranger in new[] { Node(2, K2), Node(3) })
        {
            var inbound = Read(request, stranger);
            var (headers, _, _) = LinkHandshake.CreateResponse(stranger, inbound, Nonce(2));
            var (acceptance, error) = LinkHandshake.ReadResponse(alice, request, headers);
            Assert.Null(acceptance);
            Assert.Contains("network's key", error, StringComparison.Ordinal);
        }

        // One that claims the key with a made-up proof fails too.
        var liar = Node(4, K2);
        var (forged, _, _) = LinkHandshake.CreateResponse(liar, Read(request, liar), Nonce(2));
        forged[WireProtocol.NetworkKeysHeader] = alice.Keyring.KeyIds[0];
        forged[WireProtocol.ProofHeader] = Convert.ToBase64String(new byte[32]);
        Assert.Null(LinkHandshake.ReadResponse(alice, request, forged).Acceptance);
    }

    [Fact]
    public void ADialerWithoutANetworkKeyRefusesAnAcceptorThatUsesOne()
    {
        var open = Node(1);
        var keyed = Node(2, K1);
        var request = LinkHandshake.CreateRequest(open, Nonce(1));
        var inbound = Read(request, keyed);
        var (headers, _, _) = LinkHandshake.CreateResponse(keyed, inbound with { KeyIds = keyed.Keyring.KeyIds }, Nonce(2));

        var (acceptance, error) = LinkHandshake.ReadResponse(open, request, headers);

        Assert.Null(acceptance);
        Assert.Contains("has a key and this node has none", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAcceptorRefusesAHelloWithoutAValidNetworkKeyProof()
    {
        var alice = Node(1, K1);
        var bob = Node(2, K1);
        var (_, inbound, acceptance, hello, _) = Handshake(alice, bob);
        var nonce = Nonce(2);

        Assert.Contains("network's key", LinkHandshake.VerifyHello(bob, inbound, nonce, acceptance.KeyId, hello with { Proof = null }), StringComparison.Ordinal);
        Assert.Contains("network's key", LinkHandshake.VerifyHello(bob, inbound, nonce, acceptance.KeyId, hello with { Proof = new byte[32] }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, K1, 401)]
    [InlineData(K2, K1, 401)]
    [InlineData(K1, null, 401)]
    [InlineData(K1, K1, 101)]
    [InlineData($"{K2},{K1}", K1, 101)]
    [InlineData(null, null, 101)]
    public async Task TheAcceptorAdmitsOnlyDialersThatShareItsNetworkKey(string? dialerKey, string? acceptorKey, int status)
    {
        var dialer = Node(1, dialerKey);

        var decision = await EvaluateAsync(LinkHandshake.CreateRequest(dialer, Nonce(1)).Headers, acceptorKey);

        Assert.Equal(status, decision.Status);
        if (status == 401)
        {
            Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
            Assert.Equal(decision.Reason, decision.ResponseHeaders[WireProtocol.RefusalHeader]);
        }
    }

    [Theory]
    [InlineData(null, 101)]
    [InlineData(K1, 401)]
    public async Task ATutorialNodeIsAdmittedOnlyWhereTheNetworkHasNoKey(string? acceptorKey, int status)
    {
        var decision = await EvaluateAsync(new Dictionary<string, string>(), acceptorKey);

        Assert.Equal(status, decision.Status);
    }

    [Fact]
    public void ANodeThatSendsNoneOfOurHeadersIsATutorialNode()
    {
        var bob = Node(2);

        var (request, status, error) = LinkHandshake.ReadRequest(new Dictionary<string, string> { ["Sec-WebSocket-Key"] = "x" }, bob);

        Assert.True(request!.IsTutorial);
        Assert.Equal((0, (string?)null), (status, error));
    }

    [Fact]
    public void AnAcceptorThatAnswersWithoutOurHeadersIsATutorialNodeUnlessTheNetworkHasAKey()
    {
        var open = Node(1);
        var keyed = Node(2, K1);

        var (tutorial, none) = LinkHandshake.ReadResponse(open, LinkHandshake.CreateRequest(open, Nonce(1)), new Dictionary<string, string>());
        var (refused, error) = LinkHandshake.ReadResponse(keyed, LinkHandshake.CreateRequest(keyed, Nonce(1)), new Dictionary<string, string>());

        Assert.True(tutorial!.IsTutorial);
        Assert.Null(none);
        Assert.Null(refused);
        Assert.Contains("does not hold this network's key", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ANodeThatDialsItselfIsToldSo()
    {
        var alice = Node(1);

        var (request, status, error) = LinkHandshake.ReadRequest(LinkHandshake.CreateRequest(alice, Nonce(1)).Headers, alice);

        Assert.Null(request);
        Assert.Equal(409, status);
        Assert.Contains("itself", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", false)]
    [InlineData("3", false)]
    [InlineData("3-5", false)]
    [InlineData("x", false)]
    [InlineData("2", true)]
    [InlineData("1-3", true)]
    [InlineData("1,2", true)]
    [InlineData("2-2", true)]
    public void AnIncompatibleProtocolVersionIsRefusedWith426(string versions, bool spoken)
    {
        var headers = Headers(Node(1));
        headers[WireProtocol.VersionHeader] = versions;

        var (request, status, error) = LinkHandshake.ReadRequest(headers, Node(2));

        if (spoken)
        {
            Assert.NotNull(request);
            Assert.Null(error);
        }
        else
        {
            Assert.Null(request);
            Assert.Equal(426, status);
            Assert.Contains("is not spoken here", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ANodeIdWithoutItsVersionIsTheOldProtocol()
    {
        var headers = Headers(Node(1));
        headers.Remove(WireProtocol.VersionHeader);

        var (_, status, error) = LinkHandshake.ReadRequest(headers, Node(2));

        Assert.Equal(426, status);
        Assert.Contains("protocol version 1", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WireProtocol.NodeIdHeader, "0123456789abcdef0123456789abcdef")]
    [InlineData(WireProtocol.NodeIdHeader, "not an id")]
    [InlineData(WireProtocol.PublicKeyHeader, "AAAA")]
    [InlineData(WireProtocol.PublicKeyHeader, "not base64!")]
    [InlineData(WireProtocol.NonceHeader, "AAAA")]
    [InlineData(WireProtocol.NonceHeader, null)]
    public void AnIdThatIsNotDerivedFromTheKeyOrAMissingNonceIsRefused(string header, string? value)
    {
        var headers = Headers(Node(1));
        if (value is null)
        {
            headers.Remove(header);
        }
        else
        {
            headers[header] = value;
        }

        var (request, status, _) = LinkHandshake.ReadRequest(headers, Node(2));

        Assert.Null(request);
        Assert.Equal(400, status);
    }

    [Fact]
    public void AResponseSignedForAnotherDialIsRefused()
    {
        var alice = Node(1);
        var bob = Node(2);
        var earlier = LinkHandshake.CreateRequest(alice, Nonce(1));
        var (replayed, _, _) = LinkHandshake.CreateResponse(bob, Read(earlier, bob), Nonce(2));

        var (acceptance, error) = LinkHandshake.ReadResponse(alice, LinkHandshake.CreateRequest(alice, Nonce(3)), replayed);

        Assert.Null(acceptance);
        Assert.Contains("bad signature", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ADialerThatReplaysAnotherNodesHeadersCannotSignItsHello()
    {
        // Mallory sends alice's id and key (they are public) but holds mallory's private key only.
        var alice = Node(1);
        var mallory = Node(3);
        var bob = Node(2);
        var request = LinkHandshake.CreateRequest(alice, Nonce(1));
        var inbound = Read(request, bob);
        var nonce = Nonce(2);
        var (headers, _, keyId) = LinkHandshake.CreateResponse(bob, inbound, nonce);
        var (acceptance, _) = LinkHandshake.ReadResponse(alice, request, headers);

        var forged = Hello(LinkHandshake.CreateHello(mallory, request, acceptance!));

        Assert.Contains("bad signature", LinkHandshake.VerifyHello(bob, inbound, nonce, keyId, forged), StringComparison.Ordinal);
        // The genuine hello, replayed on a link with another acceptor nonce, fails as well.
        var genuine = Hello(LinkHandshake.CreateHello(alice, request, acceptance!));
        Assert.Null(LinkHandshake.VerifyHello(bob, inbound, nonce, keyId, genuine));
        Assert.Contains("bad signature", LinkHandshake.VerifyHello(bob, inbound, Nonce(9), keyId, genuine), StringComparison.Ordinal);
    }

    [Fact]
    public void ADisplayNameTravelsAsPrintableAsciiOfAtMost64Characters()
    {
        var alice = Node(1, name: "nœud\n" + new string('x', 100));

        var inbound = Read(LinkHandshake.CreateRequest(alice, Nonce(1)), Node(2));

        Assert.Equal("nud" + new string('x', 61), inbound.PeerName);
    }

    private (DialRequest Request, InboundRequest Inbound, Acceptance Acceptance, HelloMessage Hello, string? Problem) Handshake(LocalNode dialer, LocalNode acceptor)
    {
        var request = LinkHandshake.CreateRequest(dialer, Nonce(1));
        var inbound = Read(request, acceptor);
        var nonce = Nonce(2);
        var (headers, sentNonce, keyId) = LinkHandshake.CreateResponse(acceptor, inbound, nonce);
        Assert.Equal(nonce, sentNonce);
        var (acceptance, error) = LinkHandshake.ReadResponse(dialer, request, headers);
        Assert.True(acceptance is not null, error);
        Assert.Equal(keyId, acceptance.KeyId);
        var hello = Hello(LinkHandshake.CreateHello(dialer, request, acceptance));
        return (request, inbound, acceptance, hello, LinkHandshake.VerifyHello(acceptor, inbound, nonce, keyId, hello));
    }

    private static InboundRequest Read(DialRequest request, LocalNode acceptor)
    {
        var (inbound, status, error) = LinkHandshake.ReadRequest(request.Headers, acceptor);
        Assert.True(inbound is not null, $"{status}: {error}");
        return inbound;
    }

    private HelloMessage Hello(byte[] frame) => Assert.IsType<HelloMessage>(_codec.Decode(frame).Message);

    private static Dictionary<string, string> Headers(LocalNode dialer) =>
        new(LinkHandshake.CreateRequest(dialer, Nonce(1)).Headers, StringComparer.OrdinalIgnoreCase);

    private static byte[] Nonce(byte fill) => Enumerable.Repeat(fill, 16).ToArray();

    private LocalNode Node(byte seed, string? networkKey = null, string? name = null, int port = 0)
    {
        var keys = NodeKeys.FromSeed(Enumerable.Repeat(seed, 32).ToArray(), Ed25519Scheme.Instance);
        _keys.Add(keys);
        var address = new PeerAddress("127.0.0.1", port == 0 ? 4000 + seed : port, Secure: false);
        return new LocalNode(keys, name, () => address, new NetworkKeyring(networkKey), requireSignatures: false);
    }

    /// <summary>What an accepting node (its core, not started on any socket) decides about an upgrade request.</summary>
    private static async Task<UpgradeDecision> EvaluateAsync(IReadOnlyDictionary<string, string> headers, string? networkKey)
    {
        var address = new PeerAddress("127.0.0.1", 4100, Secure: false);
        await using var core = NodeCore.Create(new NodeOptions { NetworkKey = networkKey }, new NodeEnvironment
        {
            Log = new MemoryRecordLog(),
            Keys = NodeKeys.FromSeed(Enumerable.Repeat((byte)100, 32).ToArray(), Ed25519Scheme.Instance),
            Transport = new InMemoryNetwork(TimeProvider.System).TransportFor(address),
            Address = () => address,
        });
        core.Start([]);
        return core.Acceptor.Evaluate(headers, "test");
    }

    public void Dispose()
    {
        foreach (var keys in _keys)
        {
            keys.Dispose();
        }
    }
}
