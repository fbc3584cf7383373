using System.Text.Json;
using System.Text.Json.Serialization;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Mesh;
using AspireP2P.Node.Records;
using AspireP2P.Node.Telemetry;

namespace AspireP2P.Node.Apis;

/// <summary>
/// Who the node is, sent first on every event stream. <c>Records</c> is how many records the node held when the stream began
/// (every later one arrives as a <c>record</c> event); <c>DashboardUrl</c> is the Aspire dashboard (P2P:DashboardUrl), for
/// trace links, null outside the AppHost.
/// </summary>
public sealed record UiHello(string NodeId, string? Name, string Address, string HttpUrl, string WsUrl, string? DashboardUrl, long Records);

/// <summary>Peers this node dialed (with their state), links other nodes opened to it, and counters: pushed when they change.</summary>
public sealed record UiState(long Records, IReadOnlyList<PeerView> Peers, IReadOnlyList<InboundPeerView> Inbound, NodeTotals Totals);

/// <summary>A link another node opened to this one.</summary>
public sealed record InboundPeerView(string Remote, string? Address, string? NodeId, string? Name, DateTimeOffset? ConnectedAt, long Received, long Rejected);

/// <summary>
/// One record with everything the page shows. <see cref="Position"/> is its place in the node's log (the paging cursor).
/// <see cref="Unverified"/>: it came from a node that cannot sign (the tutorial's), so its author is unknown.
/// </summary>
public sealed record UiRecord(long Position, string Key, RawJson? Value, string? Origin, int Hops, string? TraceId, long? CreatedAt, bool? Unverified);

/// <summary>A page of records, newest first: positions below <see cref="Before"/>; <see cref="Next"/> is the cursor of the next (older) page.</summary>
public sealed record UiRecordPage(long Total, long Before, IReadOnlyList<UiRecord> Items, long? Next);

/// <summary>Records a stream skipped because they arrived faster than it could send them; the page reads them with GET /api/records.</summary>
public sealed record UiGap(long From, long To);

public sealed record PeerDisconnectResponse(string Message, string Url);

/// <summary>A JSON value kept as its UTF-8 text and written as is: record values are never parsed to be shown.</summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly struct RawJson(byte[] utf8) : IEquatable<RawJson>
{
    public byte[] Utf8 { get; } = utf8;

    public bool Equals(RawJson other) => ReferenceEquals(Utf8, other.Utf8);

    public override bool Equals(object? obj) => obj is RawJson other && Equals(other);

    public override int GetHashCode() => Utf8?.GetHashCode() ?? 0;

    public static bool operator ==(RawJson left, RawJson right) => left.Equals(right);

    public static bool operator !=(RawJson left, RawJson right) => !left.Equals(right);
}

internal sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new RawJson(System.Text.Encoding.UTF8.GetBytes(document.RootElement.GetRawText()));
    }

    // The store only holds values that were validated as JSON on the way in, so they are written unchecked.
    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8, skipInputValidation: true);
}

/// <summary>Source-generated JSON for the web page's endpoints and event stream; nulls are left out.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UiHello))]
[JsonSerializable(typeof(UiState))]
[JsonSerializable(typeof(UiRecord))]
[JsonSerializable(typeof(UiRecordPage))]
[JsonSerializable(typeof(UiGap))]
[JsonSerializable(typeof(PeerDisconnectResponse))]
internal sealed partial class UiJsonContext : JsonSerializerContext
{
    public static UiJsonContext Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Generic converters: the non-generic one needs runtime code generation, which a Native AOT node (--launch NativeAot) lacks.
        Converters = { new JsonStringEnumConverter<PeerState>(), new JsonStringEnumConverter<PeerOrigin>() },
    });
}

/// <summary>Builds what the page shows from the node's own state.</summary>
internal static class UiViews
{
    public static UiHello Hello(NodeCore core, NodeOptions options, long records)
    {
        var address = core.Local.Address;
        return new(core.Local.Id.ToString(), core.Local.Name, address.ToString(), address.HttpUri.ToString().TrimEnd('/'), address.WebSocketUrl,
            string.IsNullOrWhiteSpace(options.DashboardUrl) ? null : options.DashboardUrl.TrimEnd('/'), records);
    }

    public static UiState State(NodeCore core)
    {
        var peers = core.Mesh.Snapshot.Peers;
        return new(core.Store.Count,
            [.. peers.Where(p => p.Direction == nameof(LinkDirection.Outbound))],
            [.. peers.Where(p => p.Direction == nameof(LinkDirection.Inbound)).Select(p => new InboundPeerView(p.Address, p.Url.Length == 0 ? null : p.Address, p.NodeId, p.Name, p.Since, p.Received, p.Rejected))],
            core.Context.Telemetry.Totals);
    }

    public static UiRecord Record(StoredEntry item, bool withValue)
    {
        var entry = item.Entry;
        return new(item.Position, entry.Key, withValue ? new RawJson(entry.Value) : null, entry.IsAdopted ? null : entry.Origin.ToString(), entry.Hops,
            entry.TraceId?.ToHexString(), entry.CreatedAtMs, entry.IsAdopted ? true : null);
    }
}
