using AspireP2P.Node.Protocol.Binary;
using AspireP2P.Node.Reconciliation;

namespace AspireP2P.Tests.Infrastructure;

/// <summary>
/// Runs one reconciliation session between two views in this process, every message through the binary codec both
/// ways, and counts what crossed: messages, round trips (initiator messages the responder answered), bytes each way,
/// and what each side found it must push.
/// </summary>
public sealed class ReconcileRun
{
    public int Messages { get; private set; }

    public int RoundTrips { get; private set; }

    public int BytesToResponder { get; private set; }

    public int BytesToInitiator { get; private set; }

    public int Bytes => BytesToResponder + BytesToInitiator;

    public List<PushRange> InitiatorPushes { get; } = [];

    public List<PushRange> ResponderPushes { get; } = [];

    public string? Abandoned { get; private set; }

    /// <summary>Each message as it crossed: direction, size, items (for a failing test's message).</summary>
    public List<string> Transcript { get; } = [];

    public static ReconcileRun Between(IReconcileView initiator, IReconcileView responder, ReconcileLimits? limits = null, byte salt = 7)
    {
        var run = new ReconcileRun();
        var a = ReconcileSession.Open(42, Enumerable.Repeat(salt, 16).ToArray(), initiator, 0, out var message, limits);
        ReconcileSession? b = null;
        for (var guard = 0; guard < 10_000; guard++)
        {
            var toResponder = run.Cross(message, toResponder: true);
            b ??= ReconcileSession.Accept(toResponder, responder, limits);
            var reply = b.Receive(toResponder, 0);
            run.ResponderPushes.AddRange(b.TakePushes());
            if (reply is null)
            {
                run.Abandoned ??= b.Abandoned;
                break;
            }

            run.RoundTrips++;
            var toInitiator = run.Cross(reply, toResponder: false);
            var next = a.Receive(toInitiator, 0);
            run.InitiatorPushes.AddRange(a.TakePushes());
            if (next is null)
            {
                run.Abandoned ??= a.Abandoned;
                break;
            }

            message = next;
            if (next.End)
            {
                run.Cross(next, toResponder: true);
                b.Receive(next, 0);
                break;
            }
        }

        return run;
    }

    public override string ToString() =>
        $"{RoundTrips} round trips, {Messages} messages, {Bytes} bytes ({BytesToResponder} to the responder, {BytesToInitiator} back)";

    private ReconcileMessage Cross(ReconcileMessage message, bool toResponder)
    {
        var frame = BinaryCodec.Encode(message);
        Messages++;
        if (toResponder)
        {
            BytesToResponder += frame.Length;
        }
        else
        {
            BytesToInitiator += frame.Length;
        }

        Transcript.Add($"{(toResponder ? "->" : "<-")} {frame.Length} B{(message.More ? " more" : "")}{(message.End ? " end" : "")}: "
            + string.Join(", ", message.Items.GroupBy(i => i.Kind).Select(g => $"{g.Count()} {g.Key}")));
        var decoded = BinaryCodec.Decode(frame);
        return decoded.Message as ReconcileMessage ?? throw new InvalidOperationException($"{decoded.Reason}: {decoded.Detail}");
    }
}
