using AspireP2P.Node;
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

    var published = await records.PublishAsync(new ChatMessage(post.Author!.Trim(), post.Text!.Trim()), cancellationToken);
    return Results.Created("/chat", new ChatPosted(published.Key, published.TraceId));
});
app.MapGet("/chat", (ChatRoom room) => room.Recent());

app.Run();
