using System.Diagnostics;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Telemetry;
using AspireP2P.Node.Transport;

namespace AspireP2P.Node.Mesh;

/// <summary>How one dial ended.</summary>
public abstract record DialAttempt
{
    public sealed record Opened(Link Link) : DialAttempt;

    public sealed record Self : DialAttempt;

    /// <summary>The other end answered no (HTTP status, reason) or could not prove what it must; not worth a quick re-dial.</summary>
    public sealed record Refused(int Status, string Reason, IReadOnlyList<PeerAddress>? Alternatives = null) : DialAttempt;

    /// <summary>No link and no node of ours said why (the detail is for the log only: answers say <see cref="Unreachable"/>).</summary>
    public sealed record Failed(string Error) : DialAttempt;

    /// <summary>
    /// What POST /peer and the peer table say for any failure that does not come from one of our nodes: one answer for a
    /// closed port, a port that speaks something else, a plain HTTP server and a timeout alike.
    /// </summary>
    public const string Unreachable = "no node of this network answered there (nothing listening, not a node, or no answer in time)";
}

/// <summary>
/// Opens a link: the transport's upgrade with our headers, the acceptor's proofs checked, our HELLO sent. What answers
/// decides the link's kind: one of our nodes (one link both ways) or a tutorial node (a link we only send on). Each dial
/// is a CLIENT span; the acceptor's side joins its trace.
/// </summary>
public sealed class Dialer(NodeContext node, IPeerTransport transport, RecordIntake intake, NetworkFaults? faults)
{
    public async Task<DialAttempt> DialAsync(PeerAddress address, PeerOrigin origin, ILinkEvents events, ActivityContext parent, CancellationToken cancellationToken)
    {
        using var activity = NodeTelemetry.Source.StartActivity(ActivityKind.Client, parent, name: $"connect {address}");
        activity?.SetTag("server.address", address.Host);
        activity?.SetTag("server.port", address.Port);
        activity?.SetTag("p2p.peer.origin", origin.ToString());
        if (faults?.IsPartitioned == true)
        {
            return Fail(activity, new DialAttempt.Failed("this node is partitioned (fault injection)"));
        }

        var request = LinkHandshake.CreateRequest(node.Local, LinkHandshake.NewNonce(node.Nonce));
        var headers = new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase);
        if (activity is not null)
        {
            headers[WireProtocol.TraceparentHeader] = activity.Id!;
        }

        var result = await transport.DialAsync(address, headers, node.Options.ConnectTimeout, cancellationToken);
        switch (result)
        {
            case DialResult.Refused { Status: 409 } refused when refused.Reason.Contains("itself", StringComparison.Ordinal):
                return Fail(activity, new DialAttempt.Self());
            case DialResult.Refused refused:
                return Fail(activity, new DialAttempt.Refused(refused.Status, refused.Reason, refused.Alternatives));
            case DialResult.Failed failed:
                return Fail(activity, new DialAttempt.Failed(failed.Error));
        }

        var (connection, responseHeaders) = (DialResult.Connected)result;
        IPeerConnection link = faults is null ? connection : new FaultyConnection(connection, faults, node.Time, node.Random);
        try
        {
            var (acceptance, error) = LinkHandshake.ReadResponse(node.Local, request, responseHeaders);
            if (acceptance is null)
            {
                await link.CloseAsync(error!, CancellationToken.None);
                await link.DisposeAsync();
                return Fail(activity, new DialAttempt.Refused(403, error!));
            }

            if (!acceptance.IsTutorial)
            {
                await link.SendAsync(LinkHandshake.CreateHello(node.Local, request, acceptance), cancellationToken);
            }

            activity?.SetTag("p2p.peer.kind", acceptance.IsTutorial ? "tutorial" : "node");
            return new DialAttempt.Opened(new Link(
                node, intake, events, link, acceptance.IsTutorial ? LinkKind.TutorialSend : LinkKind.Peer, LinkDirection.Outbound,
                acceptance.PeerId, acceptance.PeerName, acceptance.IsTutorial ? address : acceptance.PeerAddress ?? address)
            {
                Introduces = origin != PeerOrigin.ConnectBack,
            });
        }
        catch (Exception ex) when (ex is IOException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
        {
            await link.DisposeAsync();
            return Fail(activity, new DialAttempt.Failed($"the link dropped during the handshake: {ex.Message}"));
        }
        catch
        {
            // Stopping, or this node's own failure: the connection goes either way, and the dial's task reports it.
            link.Abort();
            await link.DisposeAsync();
            throw;
        }
    }

    private static DialAttempt Fail(Activity? activity, DialAttempt attempt)
    {
        activity?.SetStatus(ActivityStatusCode.Error, attempt switch
        {
            DialAttempt.Refused refused => refused.Reason,
            DialAttempt.Failed failed => failed.Error,
            _ => "that address is this node itself",
        });
        return attempt;
    }
}
