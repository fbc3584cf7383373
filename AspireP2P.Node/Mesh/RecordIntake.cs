using System.Diagnostics;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Mesh;

/// <summary>
/// Records arriving on a link: checked, then stored (which relays them). A signed record is accepted only with a valid
/// signature of the origin its key names; a duplicate is recognised by a range check before any signature is checked;
/// a record of a feed never held before counts against the link's rate of new feeds; an unsigned record from a tutorial
/// node is adopted into this node's own feed (permissive mode) or refused (strict). Called from link readers, in
/// parallel; thread-safe.
/// </summary>
public sealed class RecordIntake(NodeContext node, Publisher publisher)
{
    private readonly ILogger _logger = node.Logs.CreateLogger<RecordIntake>();

    /// <summary>Returns why the record was refused, or null when it was taken (stored, or already held).</summary>
    public Rejection? Receive(Link link, RecordMessage message)
    {
        if (message.Feed is not { } signed)
        {
            return ReceiveUnsigned(link, message);
        }

        node.Faults?.ThrowIfInjected(FaultPoint.Intake);
        var store = node.Store;
        if (!message.Sync && store.Contains(signed.Origin, signed.Seq))
        {
            node.Telemetry.DuplicateSuppressed();
            return null;
        }

        if (!store.HasFeed(signed.Origin) && !link.AllowNewOrigin())
        {
            // Every feed a node holds costs it memory for good: one link may not make it remember them faster than this.
            return new Rejection(RejectReason.RateLimited, $"feed {signed.Origin} is new here and this link brought more than {node.Options.NewOriginsPerSecond} new feeds per second");
        }

        var adopted = (signed.Flags & EntryTraits.Adopted) != 0;
        if (!adopted && message.Key != Entry.KeyFor(signed.Origin, signed.Seq))
        {
            return new Rejection(RejectReason.WrongOrigin, $"key '{MessageCodec.Truncate(message.Key, 80)}' is not the key of entry {signed.Seq} of feed {signed.Origin}");
        }

        if (adopted && RecordKey.NamesAFeed(message.Key))
        {
            return new Rejection(RejectReason.WrongOrigin, $"an adopted record may not carry a feed key ('{MessageCodec.Truncate(message.Key, 80)}')");
        }

        var leaf = new byte[EntrySignature.HashLength];
        EntrySignature.LeafHash(signed.Origin, signed.Seq, signed.CreatedAtMs, signed.Flags, message.Key, message.Value, leaf);
        switch (node.Verifier.Verify(signed.Origin, signed.PublicKey, leaf, signed.Proof, signed.LeafIndex, signed.LeafCount, signed.Signature))
        {
            case VerifyOutcome.WrongOrigin:
                return new Rejection(RejectReason.WrongOrigin, $"the public key of record '{MessageCodec.Truncate(message.Key, 80)}' is not that of origin {signed.Origin}");
            case VerifyOutcome.BadSignature:
                return new Rejection(RejectReason.BadSignature, $"the signature of record '{MessageCodec.Truncate(message.Key, 80)}' does not match its bytes");
        }

        if (adopted && node.Local.RequireSignatures)
        {
            // A genuine entry of its witness's feed, refused by policy: counted as held, so that permissive peers stop
            // offering it and the two kinds of node still agree on what each feed holds (their digests can match).
            node.Store.MarkRefused(signed.Origin, signed.Seq, message.Key, message.Value);
            return new Rejection(RejectReason.UnsignedRecord, $"record '{MessageCodec.Truncate(message.Key, 80)}' was adopted from a node that cannot sign; this node requires signatures");
        }

        var receivedAt = node.Time.GetUtcNow();
        var entry = new Entry
        {
            Origin = signed.Origin,
            Seq = signed.Seq,
            CreatedAtMs = signed.CreatedAtMs,
            Flags = signed.Flags,
            Key = message.Key,
            Value = message.Value,
            Signature = signed.Signature,
            Proof = signed.Proof,
            LeafIndex = (ushort)signed.LeafIndex,
            LeafCount = (ushort)signed.LeafCount,
            TraceId = RecordTracing.TraceIdOf(message.Traceparent),
            Hops = message.Hops,
            Leaf = leaf,
        };

        return Store(link, entry, signed.PublicKey, message, receivedAt);
    }

    private Rejection? Store(Link link, Entry entry, byte[] publicKey, RecordMessage message, DateTimeOffset receivedAt)
    {
        // Catch-up copies arrive by the thousand: stored and relayed, but not traced one span each.
        ActivityContext.TryParse(message.Traceparent, message.Tracestate, out var parent);
        using var receive = message.Sync ? null : RecordTracing.StartReceive(parent, entry.Key, link.PeerAddress?.ToString() ?? link.Remote, entry.Hops, entry.Origin.ToString(), receivedAt);
        RecordTracing.Relayed(receive, node.Links.RecordCarriers - 1);
        var next = message.Sync ? null : RecordTracing.Next(receive, message.Traceparent);
        var relay = new RelayContext(link.Id, publicKey, entry.Hops, next, message.Sync ? null : message.Tracestate, message.Sync);
        var result = node.Store.Append(entry, publicKey, relay, checkConflict: message.Sync);
        switch (result.Outcome)
        {
            case AppendOutcome.Added or AppendOutcome.AddedHidden:
                node.Telemetry.RecordStored();
                if (!message.Sync)
                {
                    node.Telemetry.PropagationLatency(Math.Max(0, receivedAt.ToUnixTimeMilliseconds() - entry.CreatedAtMs));
                }

                Log.RecordStored(_logger, entry.Key, link.PeerAddress?.ToString() ?? link.Remote, entry.Hops);
                return null;
            case AppendOutcome.Replaced:
                node.Telemetry.RecordStored();
                node.Telemetry.ConflictResolved();
                Log.ConflictSettled(_logger, entry.Key, entry.Origin.ToString(), "replaced the entry held");
                return null;
            case AppendOutcome.ConflictLost:
                node.Telemetry.ConflictResolved();
                Log.ConflictSettled(_logger, entry.Key, entry.Origin.ToString(), "kept the entry held");
                return null;
            case AppendOutcome.Duplicate:
                node.Telemetry.DuplicateSuppressed();
                RecordTracing.Duplicate(receive);
                return null;
            case AppendOutcome.Deferred:
                // Not an error of the sender's: the feed has too many gaps here; anti-entropy offers it again once they fill.
                return null;
            default:
                return new Rejection(RejectReason.StoreUnavailable, $"record '{MessageCodec.Truncate(entry.Key, 80)}' not stored: the record log failed");
        }
    }

    /// <summary>A tutorial node's record: no signature, so its author is unknown. Adopted (witnessed) in permissive mode.</summary>
    private Rejection? ReceiveUnsigned(Link link, RecordMessage message)
    {
        if (link.Kind == LinkKind.Peer)
        {
            return new Rejection(RejectReason.UnsignedRecord, $"our peers sign every record; '{MessageCodec.Truncate(message.Key, 80)}' is unsigned");
        }

        if (node.Local.RequireSignatures)
        {
            return new Rejection(RejectReason.UnsignedRecord, $"unsigned record '{MessageCodec.Truncate(message.Key, 80)}' refused: this node requires signatures (--require-signatures)");
        }

        if (RecordKey.NamesAFeed(message.Key))
        {
            return new Rejection(RejectReason.WrongOrigin, $"unsigned record claims the key '{MessageCodec.Truncate(message.Key, 80)}' of a signed feed");
        }

        if (node.Store.ContainsAdopted(message.Key, message.Value))
        {
            node.Telemetry.DuplicateSuppressed();
            return null;
        }

        var refused = publisher.Adopt(message.Key, message.Value, message.Traceparent, message.Tracestate, link);
        return refused is null ? null : new Rejection(RejectReason.StoreUnavailable, $"record '{MessageCodec.Truncate(message.Key, 80)}' not stored: {refused}");
    }
}
