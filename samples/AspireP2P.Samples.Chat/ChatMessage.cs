using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireP2P.Samples.Chat;

/// <summary>A chat message as it travels: a record whose JSON is <c>{"author": …, "text": …}</c>, from any node.</summary>
public sealed record ChatMessage(string Author, string Text);

/// <summary>What POST /chat takes; checked before anything is published.</summary>
public sealed record ChatPost(string? Author, string? Text)
{
    public const int MaxAuthor = 64;
    public const int MaxText = 2000;

    public string? Problem() =>
        string.IsNullOrWhiteSpace(Author) || Author.Trim().Length > MaxAuthor ? $"author must be 1 to {MaxAuthor} characters"
        : string.IsNullOrWhiteSpace(Text) || Text.Trim().Length > MaxText ? $"text must be 1 to {MaxText} characters"
        : null;
}

/// <summary>What POST /chat answers: the record's key and its trace.</summary>
public sealed record ChatPosted(string Key, string? TraceId);

/// <summary>A message as GET /chat lists it, with where it came from.</summary>
public sealed record ChatEntry(string Key, string Author, string Text, string Origin, bool IsLocal, int Hops, string? TraceId);

/// <summary>
/// The sample's JSON, source-generated (Native AOT friendly). A record from another app whose JSON lacks the author or
/// the text is not a chat message: required constructor parameters make it fail to read, and the subscription skips it.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(ChatPost))]
[JsonSerializable(typeof(ChatPosted))]
[JsonSerializable(typeof(ChatEntry[]))]
public sealed partial class ChatJsonContext : JsonSerializerContext;
