using AspireP2P.Node;
using AspireP2P.Node.Mesh;
using AspireP2P.Samples.Chat;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddP2PNode();
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ChatJsonContext.Default));
builder.Services.AddSingleton<ChatRoom>();
builder.Services.AddHostedService(services => services.GetRequiredService<ChatRoom>());

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapP2PNode();

app.MapPost("/chat", async (ChatPost post, IP2PRecords records, CancellationToken cancellationToken) =>
{
    if (post.Problem() is { } problem)
    {
        return Results.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Bad Chat Message");
    }

    try
    {
        var published = await records.PublishAsync(new ChatMessage(post.Author!.Trim(), post.Text!.Trim()), cancellationToken);
        return Results.Created("/chat", new ChatPosted(published.Key, published.TraceId));
    }
    catch (Exception ex) when (ex is PublishFailedException or TimeoutException)
    {
        // Not stored (or not known to be): say so, as the node's own POST /record does.
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Chat Unavailable");
    }
});
app.MapGet("/chat", (ChatRoom room) => room.Recent());

app.Run();
