using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AspireP2P.Benchmarks.Compare;

/// <summary>
/// The practical ceiling for POST /record on this machine: a minimal-API endpoint on the slim builder with no logging
/// providers and no telemetry, that reads the same JSON body and answers 201 with a small JSON body, as ours does.
/// The harness runs it as its own process (<c>AspireP2P.Benchmarks bare-kestrel --port N</c>) with the web SDK's GC
/// (server GC), so it is started and loaded exactly like a node.
/// </summary>
public static class BareKestrel
{
    public static async Task RunAsync(string[] args)
    {
        var port = args.Length >= 2 && args[0] == "--port" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5000;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, BareJson.Default));
        await using var app = builder.Build();
        long count = 0;
        app.MapGet("/alive", () => "Healthy");
        app.MapPost("/record", (RecordBody body) =>
        {
            if (body.Record is null)
            {
                return Results.BadRequest();
            }

            var key = $"bare-{Interlocked.Increment(ref count)}";
            return Results.Json(new RecordCreated($"New Record: '{body.Record}'", key), BareJson.Default.RecordCreated, statusCode: StatusCodes.Status201Created);
        });
        await app.RunAsync();
    }
}

public sealed record RecordBody(object? Record);

public sealed record RecordCreated(string Message, string Key);

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RecordBody))]
[JsonSerializable(typeof(RecordCreated))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
internal sealed partial class BareJson : JsonSerializerContext;
