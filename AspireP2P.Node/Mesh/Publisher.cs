using System.Diagnostics;
using System.Threading.Channels;
using AspireP2P.Node.Faults;
using AspireP2P.Node.Records;
using AspireP2P.Node.Records.Storage;
using AspireP2P.Node.Supervision;
using AspireP2P.Node.Telemetry;
using AspireP2P.Node.Trust;

namespace AspireP2P.Node.Mesh;

public readonly record struct PublishResult(Entry Entry, string? TraceId, long Position);

/// <summary>Why the signer's last batch failed, and since when; null while it publishes.</summary>
public sealed record PublisherTrouble(string Reason, DateTimeOffset Since);

/// <summary>
/// Creates this node's own entries: records posted here (POST /record), and records adopted from tutorial nodes, which
/// cannot sign (the node witnesses them in its feed, flagged as of unknown author). One signer loop takes every entry
/// waiting, gives them the next seqs of the node's feed, and signs them with one Ed25519 signature over the Merkle root
/// of their leaves (each entry carries its path): when the node is idle that is one signature per record, under load one
/// per batch, which is what keeps signing and verifying cheap. Entries are stored (which relays them) in seq order, and a
/// POST is answered once its entry is durable.
/// <para>Every draft is answered, whatever happens: stored, or failed with a reason (<see cref="PublishFailedException"/>).
/// A batch that fails for any reason (a permission error on the seq reservation, a failed read, a bug) is answered, logged
/// with its stack and counted, and the signer goes on with the next; while the last batch failed the node reports
/// itself unhealthy (<see cref="Trouble"/>), and the next batch that succeeds clears it. Drafts waiting are bounded by
/// bytes (<see cref="Hosting.NodeOptions.TailBytes"/>). Thread-safe.</para>
/// </summary>
public sealed class Publisher(NodeContext node)
{
    internal const string SignerName = "signer";

    private const int MaxBatch = EntrySignature.MaxBatch;

    private readonly ILogger _logger = node.Logs.CreateLogger<Publisher>();
    private readonly Channel<Draft> _pending = Channel.CreateUnbounded<Draft>(new UnboundedChannelOptions { SingleReader = true });
    private long _queuedBytes;
    private PublisherTrouble? _trouble;

    /// <summary>Why the signer's last batch failed, or null while records are published.</summary>
    public PublisherTrouble? Trouble => Volatile.Read(ref _trouble);

    /// <summary>Starts the signer loop (supervised).</summary>
    public void Start() => node.Supervisor.Loop(SignerName, SignLoopAsync, finished: () => _pending.Reader.Completion.IsCompleted);

    /// <summary>Takes no more drafts; those waiting are signed, and any left over answered, by the signer as it ends.</summary>
    public void Stop() => _pending.Writer.TryComplete();

    /// <summary>Publishes a record; throws <see cref="PublishFailedException"/> with the reason when it cannot be made durable.</summary>
    /// <param name="cancellationToken">The caller's deadline: a draft not yet signed when it fires is dropped, not stored.</param>
    public async Task<PublishResult> PublishAsync(byte[] valueJson, CancellationToken cancellationToken)
    {
        using var publish = RecordTracing.StartPublish("pending");
        var context = publish?.Context ?? Activity.Current?.Context ?? default;
        var draft = new Draft(null, valueJson, EntryTraits.None, context.TraceId == default ? null : context.TraceId, context, null, cancellationToken);
        if (Refusal(valueJson.Length) is { } refusal)
        {
            throw new PublishFailedException(refusal);
        }

        Enqueue(draft);
        var (entry, position) = await draft.Completion.Task.WaitAsync(cancellationToken);
        RecordTracing.Published(publish, entry.Key, node.Links.RecordCarriers);
        node.Telemetry.RecordPublished();
        try
        {
            await node.Store.WaitDurableAsync(position, cancellationToken);
        }
        catch (RecordLogFailedException ex)
        {
            throw new PublishFailedException($"the record log cannot write: {FailureText.Describe(ex)}", ex);
        }
        catch (ObjectDisposedException ex)
        {
            throw new PublishFailedException("the node is stopping", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever else the log's wait threw: the record is not known to be durable, so it is not acknowledged.
            node.Supervisor.Report("record log wait", ex);
            throw new PublishFailedException($"the record could not be made durable: {FailureText.Describe(ex)}", ex);
        }

        return new PublishResult(entry, draft.TraceId?.ToHexString(), position);
    }

    /// <summary>Witnesses a tutorial node's record in this node's feed; returns why it cannot, or null when it is on its way.</summary>
    public string? Adopt(string key, byte[] valueJson, string? traceparent, string? tracestate, Link from)
    {
        if (Refusal(valueJson.Length) is { } refusal)
        {
            return refusal;
        }

        ActivityContext.TryParse(traceparent, tracestate, out var parent);
        using var receive = RecordTracing.StartReceive(parent, key, from.PeerAddress?.ToString() ?? from.Remote, 1, "unsigned", node.Time.GetUtcNow());
        var context = receive?.Context ?? parent;
        var draft = new Draft(key, valueJson, EntryTraits.Adopted, context.TraceId == default ? null : context.TraceId, context, tracestate, CancellationToken.None);
        Log.RecordAdopted(_logger, key, from.PeerAddress?.ToString() ?? from.Remote);
        Enqueue(draft);
        return null;
    }

    /// <summary>Why a draft of this size cannot be taken now, or null.</summary>
    private string? Refusal(int bytes)
    {
        if (node.Failure.Report is { } failure)
        {
            return $"the node has failed and is stopping ({failure.Reason})";
        }

        if (node.Store.Failure is { } broken)
        {
            return $"the record log cannot write: {FailureText.Describe(broken)}";
        }

        return Interlocked.Read(ref _queuedBytes) + bytes > node.Options.TailBytes
            ? "too many records are waiting to be signed; try again shortly"
            : null;
    }

    private void Enqueue(Draft draft)
    {
        Interlocked.Add(ref _queuedBytes, draft.Value.Length);
        if (!_pending.Writer.TryWrite(draft))
        {
            Interlocked.Add(ref _queuedBytes, -draft.Value.Length);
            draft.Completion.TrySetException(new PublishFailedException("the node is stopping"));
        }
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
                    Interlocked.Add(ref _queuedBytes, -draft.Value.Length);
                    batch.Add(draft);
                }

                SignBatch(batch);
                batch.Clear();
            }
        }
        finally
        {
            // Whatever ends the loop (the node stopping, or an exception the supervisor restarts it after), nobody is left waiting.
            Answer(batch, "the node is stopping");
            if (_pending.Reader.Completion.IsCompleted || stopping.IsCancellationRequested)
            {
                while (_pending.Reader.TryRead(out var left))
                {
                    Interlocked.Add(ref _queuedBytes, -left.Value.Length);
                    left.Completion.TrySetException(new PublishFailedException("the node is stopping"));
                }
            }
        }
    }

    /// <summary>Signs and stores one batch; any failure answers its drafts with the reason and the loop goes on.</summary>
    private void SignBatch(List<Draft> batch)
    {
        try
        {
            node.Faults?.ThrowIfInjected(FaultPoint.Signer);
            SignAndStore(batch);
            Volatile.Write(ref _trouble, null);
        }
        catch (Exception ex)
        {
            node.Supervisor.Report(SignerName, ex);
            var reason = ex is RecordLogFailedException
                ? $"the record log cannot write: {FailureText.Describe(ex)}"
                : $"this node could not sign the record: {FailureText.Describe(ex)}";
            Answer(batch, reason, ex);
            if (Trouble is null)
            {
                Volatile.Write(ref _trouble, new PublisherTrouble(reason, node.Time.GetUtcNow()));
            }
        }
    }

    private static void Answer(List<Draft> batch, string reason, Exception? inner = null)
    {
        foreach (var draft in batch)
        {
            draft.Completion.TrySetException(new PublishFailedException(reason, inner));
        }
    }

    /// <summary>Gives a batch its seqs, signs the Merkle root of its leaves once, and stores each entry in seq order.</summary>
    private void SignAndStore(List<Draft> batch)
    {
        // Drafts whose caller gave up (its deadline passed) are not published: a 503 then means "not stored".
        batch.RemoveAll(draft => draft.Abandoned && draft.Completion.TrySetCanceled(draft.CancellationToken));
        if (batch.Count == 0)
        {
            return;
        }

        if (node.Store.Failure is { } failure)
        {
            throw failure;
        }

        var origin = node.Local.Id;
        var now = node.Time.GetUtcNow().ToUnixTimeMilliseconds();
        // First the seqs and keys of the whole batch and their leaves; the entries themselves once the root is signed. A
        // reservation that cannot be written (a full disk, a permission error) throws before anything is issued.
        var seqs = new long[batch.Count];
        var keys = new string[batch.Count];
        var leaves = new List<byte[]>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            seqs[i] = node.Feed.Next();
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
                Leaf = leaves[i],
            };
            var traceparent = draft.Parent != default ? Traceparent(draft.Parent) : null;
            var result = node.Store.Append(entry, publicKey, new RelayContext(0, publicKey, entry.Hops, traceparent, draft.Tracestate, Sync: false));
            if (result.Stored)
            {
                draft.Completion.TrySetResult((entry, result.Position));
            }
            else
            {
                draft.Completion.TrySetException(new PublishFailedException(node.Store.Failure is { } broken
                    ? $"the record log cannot write: {FailureText.Describe(broken)}"
                    : $"entry {entry.Seq} of this node's feed was not stored ({result.Outcome})"));
            }
        }
    }

    private static string Traceparent(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>An entry waiting for its seq and signature, and who waits for it.</summary>
    private sealed class Draft(string? key, byte[] value, EntryTraits flags, ActivityTraceId? traceId, ActivityContext parent, string? tracestate, CancellationToken cancellationToken)
    {
        public string? Key { get; } = key;

        public byte[] Value { get; } = value;

        public EntryTraits Flags { get; } = flags;

        public ActivityTraceId? TraceId { get; } = traceId;

        public ActivityContext Parent { get; } = parent;

        public string? Tracestate { get; } = tracestate;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        /// <summary>Its caller stopped waiting before it was signed.</summary>
        public bool Abandoned => CancellationToken.IsCancellationRequested;

        /// <summary>
        /// Continuations run asynchronously, so a request never continues inside the signer's loop. In the simulator it is
        /// awaited directly (no deadline): a wait with a timeout on such a task would complete on the thread pool.
        /// </summary>
        public TaskCompletionSource<(Entry Entry, long Position)> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
