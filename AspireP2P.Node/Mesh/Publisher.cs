using System.Diagnostics;
using System.Threading.Channels;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Telemetry;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Mesh;

public readonly record struct PublishResult(Entry Entry, string? TraceId, long Position);

/// <summary>
/// Creates this node's own entries: records posted here (POST /record), and records adopted from tutorial nodes, which
/// cannot sign (the node witnesses them in its feed, flagged as of unknown author). One signer loop takes every entry
/// waiting, gives them the next seqs of the node's feed, and signs them with one Ed25519 signature over the Merkle root
/// of their leaves (each entry carries its path): when the node is idle that is one signature per record, under load one
/// per batch, which is what keeps signing and verifying cheap. Entries are stored (which relays them) in seq order, and a
/// POST is answered once its entry is durable. Thread-safe.
/// </summary>
public sealed class Publisher(NodeContext node)
{
    private const int MaxBatch = EntrySignature.MaxBatch;

    private readonly ILogger _logger = node.Logs.CreateLogger<Publisher>();
    private readonly Channel<Draft> _pending = Channel.CreateUnbounded<Draft>(new UnboundedChannelOptions { SingleReader = true });
    private Task _signer = Task.CompletedTask;

    /// <summary>Starts the signer loop.</summary>
    public void Start(CancellationToken stopping) => _signer = SignLoopAsync(stopping);

    /// <summary>Ends the signer loop once what is waiting is signed.</summary>
    public Task StopAsync()
    {
        _pending.Writer.TryComplete();
        return _signer;
    }

    /// <summary>Publishes a record; throws <see cref="RecordLogFailedException"/> when it cannot be made durable.</summary>
    public async Task<PublishResult> PublishAsync(byte[] valueJson, CancellationToken cancellationToken)
    {
        using var publish = RecordTracing.StartPublish("pending");
        var context = publish?.Context ?? Activity.Current?.Context ?? default;
        var draft = new Draft(null, valueJson, EntryTraits.None, context.TraceId == default ? null : context.TraceId, context, null);
        if (node.Store.Failure is { } failure)
        {
            throw failure;
        }

        if (!_pending.Writer.TryWrite(draft))
        {
            throw new RecordLogFailedException("the node is stopping");
        }

        // Awaited as is: the signer completes it, and the rest of this request runs on its own (not in the signer's loop).
        var (entry, position) = await draft.Completion.Task;
        RecordTracing.Published(publish, entry.Key, node.Links.RecordCarriers);
        node.Telemetry.RecordPublished();
        await node.Store.WaitDurableAsync(position, cancellationToken);
        return new PublishResult(entry, draft.TraceId?.ToHexString(), position);
    }

    /// <summary>Witnesses a tutorial node's record in this node's feed; false when it cannot be stored.</summary>
    public bool Adopt(string key, byte[] valueJson, string? traceparent, string? tracestate, Link from)
    {
        if (node.Store.Failure is not null)
        {
            return false;
        }

        ActivityContext.TryParse(traceparent, tracestate, out var parent);
        using var receive = RecordTracing.StartReceive(parent, key, from.PeerAddress?.ToString() ?? from.Remote, 1, "unsigned", node.Time.GetUtcNow());
        var context = receive?.Context ?? parent;
        var draft = new Draft(key, valueJson, EntryTraits.Adopted, context.TraceId == default ? null : context.TraceId, context, tracestate);
        Log.RecordAdopted(_logger, key, from.PeerAddress?.ToString() ?? from.Remote);
        return _pending.Writer.TryWrite(draft);
    }

    private async Task SignLoopAsync(CancellationToken stopping)
    {
        var batch = new List<Draft>(MaxBatch);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stopping))
            {
                while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var draft))
                {
                    batch.Add(draft);
                }

                SignAndStore(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        while (_pending.Reader.TryRead(out var left))
        {
            left.Completion.TrySetException(new RecordLogFailedException("the node is stopping"));
        }
    }

    /// <summary>Gives a batch its seqs, signs the Merkle root of its leaves once, and stores each entry in seq order.</summary>
    private void SignAndStore(List<Draft> batch)
    {
        if (node.Store.Failure is { } failure)
        {
            foreach (var draft in batch)
            {
                draft.Completion.TrySetException(failure);
            }

            return;
        }

        var origin = node.Local.Id;
        var now = node.Time.GetUtcNow().ToUnixTimeMilliseconds();
        // First the seqs and keys of the whole batch and their leaves; the entries themselves once the root is signed.
        var seqs = new long[batch.Count];
        var keys = new string[batch.Count];
        var leaves = new List<byte[]>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                seqs[i] = node.Feed.Next();
            }
            catch (IOException ex)
            {
                // The feed's reservation could not be written (a full disk): nothing of the batch may be issued.
                var refused = new RecordLogFailedException($"the feed's sequence reservation could not be written: {ex.Message}", ex);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(refused);
                }

                return;
            }

            keys[i] = batch[i].Key ?? Entry.KeyFor(origin, seqs[i]);
            var leaf = new byte[EntrySignature.HashLength];
            EntrySignature.LeafHash(origin, seqs[i], now, batch[i].Flags, keys[i], batch[i].Value, leaf);
            leaves.Add(leaf);
        }

        var (root, proofs) = leaves.Count == 1 ? (leaves[0], [[]]) : EntrySignature.Build(leaves);
        Span<byte> message = stackalloc byte[EntrySignature.SignedMessageLength];
        EntrySignature.SignedMessage(origin, root, message);
        var signature = node.Local.Keys.Sign(message);
        var publicKey = node.Local.Keys.PublicKey;
        for (var i = 0; i < batch.Count; i++)
        {
            var draft = batch[i];
            var entry = new Entry
            {
                Origin = origin,
                Seq = seqs[i],
                CreatedAtMs = now,
                Flags = draft.Flags,
                Key = keys[i],
                Value = draft.Value,
                Signature = signature,
                Proof = proofs[i],
                LeafIndex = (ushort)i,
                LeafCount = (ushort)batch.Count,
                TraceId = draft.TraceId,
                Hops = draft.Flags == EntryTraits.Adopted ? 1 : 0,
            };
            var traceparent = draft.Parent != default ? Traceparent(draft.Parent) : null;
            var hops = entry.Hops + 1;
            var result = node.Store.Append(entry, publicKey, receivedFrom: 0, e => MessageCodec.EncodeRecord(e, publicKey, hops, traceparent, draft.Tracestate, sync: false));
            if (result.Stored)
            {
                draft.Completion.TrySetResult((entry, result.Position));
            }
            else
            {
                draft.Completion.TrySetException(node.Store.Failure ?? new RecordLogFailedException($"entry {entry.Seq} of this node's feed was not stored ({result.Outcome})"));
            }
        }
    }

    private static string Traceparent(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>An entry waiting for its seq and signature, and who waits for it.</summary>
    private sealed class Draft(string? key, byte[] value, EntryTraits flags, ActivityTraceId? traceId, ActivityContext parent, string? tracestate)
    {
        public string? Key { get; } = key;

        public byte[] Value { get; } = value;

        public EntryTraits Flags { get; } = flags;

        public ActivityTraceId? TraceId { get; } = traceId;

        public ActivityContext Parent { get; } = parent;

        public string? Tracestate { get; } = tracestate;

        /// <summary>
        /// Continuations run asynchronously, so a request never continues inside the signer's loop. It is only ever awaited
        /// directly: a wait with a timeout on such a task would complete on the thread pool, outside a simulation's thread.
        /// </summary>
        public TaskCompletionSource<(Entry Entry, long Position)> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
