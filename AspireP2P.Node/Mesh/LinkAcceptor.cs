using System.Diagnostics;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;
using AspireP2P.Node.Transport;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// Accepts links, whatever the transport: judges the upgrade request (version, identity, network key, capacity, faults),
/// answers with this node's proofs, then waits for the dialer's HELLO before the link counts. A tutorial node (no headers)
/// is accepted only where the network has no key, as a link it sends on and we only read.
/// </summary>
public sealed class LinkAcceptor(NodeContext node, MeshLoop mesh, RecordIntake intake, NetworkFaults? faults) : IUpgradeAcceptor
{
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = node.Logs.CreateLogger<LinkAcceptor>();

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
        var decision = Decide(requestHeaders);
        if (!decision.Accepted)
        {
            node.Telemetry.Link("refused", decision.Reason);
            Log.UpgradeRefused(_logger, remote, decision.Status, decision.Reason ?? "refused");
            activity?.SetStatus(ActivityStatusCode.Error, decision.Reason);
        }
        else
        {
            activity?.SetTag("p2p.peer.kind", decision.State is InboundRequest { IsTutorial: true } ? "tutorial" : "node");
        }

        return decision;
    }

    private UpgradeDecision Decide(IReadOnlyDictionary<string, string> headers)
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
            return node.Local.Keyring.Enabled
                ? UpgradeDecision.Refuse(401, "this network admits only nodes that hold its network key")
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
            var problem = await ReadHelloAsync(wrapped, accepted, cancellationToken);
            if (problem is not null)
            {
                node.Telemetry.Link("refused", problem);
                Log.UpgradeRefused(_logger, wrapped.Remote, 401, problem);
                await wrapped.CloseAsync(problem, CancellationToken.None);
                await wrapped.DisposeAsync();
                return;
            }

            var request = accepted.Request;
            link = new Link(node, intake, mesh, wrapped, LinkKind.Peer, LinkDirection.Inbound, request.PeerId, request.PeerName, request.PeerAddress);
        }

        mesh.Opened(link, origin: null);
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
        if (frame.Kind != FrameKind.Text || node.Codec.Decode(frame.Data.Span).Message is not HelloMessage message)
        {
            return "the dialer's first message was not a valid HELLO";
        }

        return LinkHandshake.VerifyHello(node.Local, accepted.Request, accepted.Nonce, accepted.KeyId, message);
    }

    private sealed record Accepted(InboundRequest Request, byte[] Nonce, string? KeyId);
}
