using System.Diagnostics;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;
using AspireP2P.Node.Transport;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// Accepts links, whatever the transport: judges the upgrade request (version, identity, network key, capacity, faults,
/// misbehaviour), answers with this node's proofs, then waits for the dialer's HELLO before the link counts. A tutorial
/// node (no headers) is accepted only where the network has no key, within the strangers' budget, as a link it sends on
/// and we only read. Connections still waiting for their HELLO are bounded too (<see cref="MaxAwaitingHello"/>), so
/// half-open upgrades cannot pile up.
/// </summary>
public sealed class LinkAcceptor(NodeContext node, MeshLoop mesh, RecordIntake intake, NetworkFaults? faults) : IUpgradeAcceptor
{
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = node.Logs.CreateLogger<LinkAcceptor>();
    private int _awaitingHello;

    /// <summary>Upgrades accepted and still waiting for their HELLO, at most: as many as the node may have peers.</summary>
    private int MaxAwaitingHello => node.Options.MaxPeers;

    public UpgradeDecision Evaluate(IReadOnlyDictionary<string, string> requestHeaders, string remote)
    {
        // The dialer's "connect" span travels in the upgrade request: accepting joins its trace (a SERVER span).
        if (!requestHeaders.TryGetValue(WireProtocol.TraceparentHeader, out var traceparent))
        {
            requestHeaders.TryGetValue("traceparent", out traceparent);
        }

        requestHeaders.TryGetValue("tracestate", out var tracestate);
        ActivityContext.TryParse(traceparent, tracestate, out var parent);
        using var activity = NodeTelemetry.Source.StartActivity(ActivityKind.Server, parent, name: "accept link");
        activity?.SetTag("network.peer.address", remote);
        UpgradeDecision decision;
        try
        {
            decision = Decide(requestHeaders, remote);
        }
        catch (Exception ex)
        {
            // Headers a peer chose that a parser then choked on: refused like any bad request, never a crash of the request.
            node.Supervisor.Report("link acceptor", ex);
            decision = UpgradeDecision.Refuse(400, "the upgrade request's headers could not be read");
        }

        if (!decision.Accepted)
        {
            node.Telemetry.Link("refused", decision.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Log.UpgradeRefused(_logger, remote, decision.Status, decision.Reason ?? "refused");
            activity?.SetStatus(ActivityStatusCode.Error, decision.Reason);
        }
        else
        {
            activity?.SetTag("p2p.peer.kind", decision.State is InboundRequest { IsTutorial: true } ? "tutorial" : "node");
        }

        return decision;
    }

    private UpgradeDecision Decide(IReadOnlyDictionary<string, string> headers, string remote)
    {
        if (faults?.IsPartitioned == true)
        {
            return UpgradeDecision.Refuse(503, "the node is partitioned (fault injection)");
        }

        var (request, status, error) = LinkHandshake.ReadRequest(headers, node.Local);
        if (request is null)
        {
            return UpgradeDecision.Refuse(status, error!);
        }

        if (request.IsTutorial)
        {
            if (node.Local.Keyring.Enabled)
            {
                return UpgradeDecision.Refuse(401, "this network admits only nodes that hold its network key");
            }

            return mesh.StrangerAdmissionProblem(remote) is { } stranger
                ? UpgradeDecision.Refuse(503, stranger)
                : new UpgradeDecision(101, null, new Dictionary<string, string>(), request);
        }

        if (node.Local.Keyring.Enabled && node.Local.Keyring.Choose(request.KeyIds) is null)
        {
            return UpgradeDecision.Refuse(401, request.KeyIds.Count == 0
                ? "this network admits only nodes that hold its network key (--network-key)"
                : "none of the network keys the dialer holds is installed here");
        }

        if (!node.Local.Keyring.Enabled && request.KeyIds.Count > 0)
        {
            return UpgradeDecision.Refuse(401, "this node holds no network key; the dialer's network requires one");
        }

        if (mesh.AdmissionProblem(request.PeerId) is { } problem)
        {
            return UpgradeDecision.Refuse(problem.Status, problem.Reason, problem.Alternatives);
        }

        if (Volatile.Read(ref _awaitingHello) >= MaxAwaitingHello)
        {
            return UpgradeDecision.Refuse(503, $"this node is already completing {MaxAwaitingHello} handshakes; try again shortly");
        }

        var (responseHeaders, nonce, keyId) = LinkHandshake.CreateResponse(node.Local, request, LinkHandshake.NewNonce(node.Nonce));
        return new UpgradeDecision(101, null, responseHeaders, new Accepted(request, nonce, keyId));
    }

    public async Task RunAcceptedAsync(IPeerConnection connection, UpgradeDecision decision, CancellationToken cancellationToken)
    {
        IPeerConnection wrapped = faults is null ? connection : new FaultyConnection(connection, faults, node.Time, node.Random);
        Link link;
        if (decision.State is InboundRequest { IsTutorial: true })
        {
            link = new Link(node, intake, mesh, wrapped, LinkKind.TutorialReceive, LinkDirection.Inbound, default, null, null);
        }
        else
        {
            var accepted = (Accepted)decision.State!;
            string? problem;
            Interlocked.Increment(ref _awaitingHello);
            try
            {
                problem = await ReadHelloAsync(wrapped, accepted, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _awaitingHello);
            }

            if (problem is not null)
            {
                node.Telemetry.Link("refused", "hello");
                Log.UpgradeRefused(_logger, wrapped.Remote, 401, problem);
                await wrapped.CloseAsync(problem, CancellationToken.None);
                await wrapped.DisposeAsync();
                return;
            }

            var request = accepted.Request;
            link = new Link(node, intake, mesh, wrapped, LinkKind.Peer, LinkDirection.Inbound, request.PeerId, request.PeerName, request.PeerAddress);
        }

        mesh.Opened(link);
        await link.Ended.WaitAsync(cancellationToken);
    }

    private async Task<string?> ReadHelloAsync(IPeerConnection connection, Accepted accepted, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var hello = connection.ReceiveAsync(node.Options.MaxFrameBytes, timeout.Token).AsTask();
        var timer = Task.Delay(HelloTimeout, node.Time, timeout.Token);
        var first = await Task.WhenAny(hello, timer);
        timeout.Cancel();
        if (first != hello)
        {
            return $"no HELLO within {HelloTimeout.TotalSeconds:0} s";
        }

        var frame = await hello;
        if (frame.Kind == FrameKind.Closed)
        {
            return "the dialer left before its HELLO";
        }

        var decoded = frame.Kind == FrameKind.Text ? node.Codec.Decode(frame.Data.Span) : DecodeResult.Reject(RejectReason.BinaryFrame, "not a text frame");
        if (decoded.Message is not HelloMessage message)
        {
            node.Telemetry.Rejected(decoded.Message is null ? decoded.Reason : RejectReason.UnexpectedMessage);
            return "the dialer's first message was not a valid HELLO";
        }

        return LinkHandshake.VerifyHello(node.Local, accepted.Request, accepted.Nonce, accepted.KeyId, message);
    }

    private sealed record Accepted(InboundRequest Request, byte[] Nonce, string? KeyId);
}
