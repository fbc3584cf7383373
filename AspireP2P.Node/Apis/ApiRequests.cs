using System.ComponentModel;
using System.Text.Json;

namespace AspireP2P.Node.Apis;

/// <summary>POST /record's body, the tutorial's <c>{"record": value}</c>: the shape the OpenAPI document shows (the handler reads the JSON itself).</summary>
public sealed record RecordRequest(
    [property: Description("The record: any JSON value except null (a string, number, boolean, object or array), at most P2P:MaxRecordBytes of JSON text.")]
    JsonElement Record);

/// <summary>POST /peer's body, the tutorial's <c>{"targetUrl": "host:port"}</c>.</summary>
public sealed record PeerRequest(
    [property: Description("The peer to dial: host:port, or an http://, https://, ws:// or wss:// URL.")]
    string TargetUrl);
