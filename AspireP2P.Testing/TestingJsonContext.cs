using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireP2P.Testing;

/// <summary>The body of the tutorial's <c>POST /record</c>.</summary>
internal sealed record RecordPost(string Record);

/// <summary>The JSON the helpers read and write, source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RecordPost))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonElement[]))]
internal sealed partial class TestingJsonContext : JsonSerializerContext;
