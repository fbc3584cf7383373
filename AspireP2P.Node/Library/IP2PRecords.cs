using System.Text.Json.Serialization.Metadata;

namespace AspireP2P.Node;

/// <summary>
/// Records as typed values, for an app that hosts a node (<c>builder.AddP2PNode()</c>): publish one (it is signed,
/// stored and spread to every node of the network, as <c>POST /record</c> does) and subscribe to what arrives. Values
/// travel as JSON; the overloads without a <see cref="JsonTypeInfo{T}"/> take it from the app's HTTP JSON options
/// (<c>ConfigureHttpJsonOptions</c>), where a Native AOT app registers its <c>JsonSerializerContext</c>. Thread-safe.
/// </summary>
public interface IP2PRecords
{
    /// <summary>
    /// Publishes <paramref name="value"/> and returns once it is durable on this node (it then reaches every node it is
    /// linked to, and their peers, without further waiting). The current activity, if any, is the parent of the record's
    /// <c>publish records</c> span: the request that published it and the record's hops are one trace.
    /// </summary>
    /// <typeparam name="T">The value's type, registered in the app's HTTP JSON options (or serializable by reflection).</typeparam>
    /// <param name="value">Not null.</param>
    /// <param name="cancellationToken">Stops waiting for durability; the record may still be published.</param>
    /// <returns>The record's key (<c>&lt;origin&gt;-&lt;seq&gt;</c>) and its trace id.</returns>
    /// <exception cref="ArgumentNullException">The value is null (the network carries no null records).</exception>
    /// <exception cref="ArgumentException">Its JSON is over <c>P2P:MaxRecordBytes</c>.</exception>
    /// <exception cref="NotSupportedException">The JSON options know no contract for <typeparamref name="T"/>.</exception>
    /// <exception cref="Mesh.PublishFailedException">The node cannot store records now (its disk failed, its signer is
    /// failing, or it is stopping); the message says why, never with a file path. Nothing was stored.</exception>
    /// <exception cref="TimeoutException">Not acknowledged within <c>P2P:RequestTimeout</c> (10 s; the same deadline as
    /// <c>POST /record</c>): the disk stopped answering. The record may still be stored.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    Task<P2PPublished> PublishAsync<T>(T value, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="PublishAsync{T}(T, CancellationToken)"/>
    /// <param name="value">Not null.</param>
    /// <param name="typeInfo">The value's JSON contract (from a <c>JsonSerializerContext</c>).</param>
    /// <param name="cancellationToken">Stops waiting for durability; the record may still be published.</param>
    Task<P2PPublished> PublishAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default);

    /// <summary>
    /// The records this node stores, as they are stored, in the order of its log: those from other nodes and its own.
    /// A record whose JSON is not a <typeparamref name="T"/> (another app's record, a plain string) is skipped. The
    /// sequence waits for the next record without end; it ends when <paramref name="cancellationToken"/> is cancelled or
    /// the app stops. A slow reader delays only itself: records are read from the log, never queued for it.
    /// </summary>
    /// <typeparam name="T">The values wanted, registered in the app's HTTP JSON options (or serializable by reflection).</typeparam>
    /// <param name="from">Only records stored from now on, or every record held first.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    IAsyncEnumerable<P2PRecord<T>> SubscribeAsync<T>(P2PSubscribeFrom from = P2PSubscribeFrom.Now, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SubscribeAsync{T}(P2PSubscribeFrom, CancellationToken)"/>
    /// <param name="typeInfo">The values' JSON contract (from a <c>JsonSerializerContext</c>).</param>
    /// <param name="from">Only records stored from now on, or every record held first.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    IAsyncEnumerable<P2PRecord<T>> SubscribeAsync<T>(JsonTypeInfo<T> typeInfo, P2PSubscribeFrom from = P2PSubscribeFrom.Now, CancellationToken cancellationToken = default);
}

/// <summary>Where a subscription starts.</summary>
public enum P2PSubscribeFrom
{
    /// <summary>With the records stored after it began.</summary>
    Now,

    /// <summary>With every record the node holds, then those stored after.</summary>
    Beginning,
}

/// <summary>A record published here: its key and, when it was traced, its trace id.</summary>
/// <param name="Key">The record's key, <c>&lt;origin node id&gt;-&lt;seq&gt;</c>: the same on every node.</param>
/// <param name="TraceId">The trace that follows it across the network (32 hex digits), or null when it was not sampled.</param>
public readonly record struct P2PPublished(string Key, string? TraceId);

/// <summary>A record as a subscriber sees it.</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Key">The record's key, <c>&lt;origin node id&gt;-&lt;seq&gt;</c>.</param>
/// <param name="Value">The value, read from the record's JSON.</param>
/// <param name="Origin">The id of the node whose feed holds it (its author, unless the record came from a tutorial node).</param>
/// <param name="IsLocal">Published by this node.</param>
/// <param name="Hops">Links it crossed to reach this node (0: published here).</param>
/// <param name="TraceId">Its trace across the network, or null when it was not sampled.</param>
/// <param name="CreatedAt">When its origin created it, by the origin's clock.</param>
public sealed record P2PRecord<T>(string Key, T Value, string Origin, bool IsLocal, int Hops, string? TraceId, DateTimeOffset CreatedAt);
