using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AspireP2P.Node.Gossip;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Protocol;
using AspireP2P.Node.Records;
using Microsoft.Extensions.Options;

namespace AspireP2P.Node.Apis;

/// <summary>The tutorial's record API: GET /records (values, insertion order) and POST /record {record}.</summary>
public static class RecordsApi
{
    private const string RecordFail = "Record Value Fail";

    public static IEndpointRouteBuilder MapRecordsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/records", GetRecordsAsync)
            .WithName("GetRecords")
            .WithSummary("Record values in insertion order; ?after=N skips the first N, ?limit=M returns at most M.");
        app.MapPost("/record", PostRecordAsync)
            .WithName("PostRecord")
            .WithSummary("Stores {\"record\": <any JSON value>} and gossips it to the network.");
        return app;
    }

    /// <summary>Streams the stored JSON values straight to the response: no per-record serialization.</summary>
    public static async Task GetRecordsAsync(HttpContext context, RecordStore store, int? after, int? limit)
    {
        if (after < 0 || limit < 0)
        {
            await JsonBody.Problem(StatusCodes.Status400BadRequest, "Invalid Paging", "after and limit must be zero or positive").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        var writer = context.Response.BodyWriter;
        writer.Write("["u8);
        var first = true;
        var unflushed = 0;
        foreach (var record in store.Read(after ?? 0, limit ?? int.MaxValue))
        {
            if (!first)
            {
                writer.Write(","u8);
            }

            first = false;
            writer.Write(record.ValueJson);
            unflushed += record.ValueJson.Length + 1;
            if (unflushed >= 32 * 1024)
            {
                unflushed = 0;
                var flush = await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                if (flush.IsCanceled || flush.IsCompleted)
                {
                    return;
                }
            }
        }

        writer.Write("]"u8);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task<IResult> PostRecordAsync(HttpRequest request, GossipService gossip, IOptions<NodeOptions> options)
    {
        var maxRecordBytes = options.Value.MaxRecordBytes;
        var (document, error) = await JsonBody.ReadObjectAsync(request, maxRecordBytes + 1024, RecordFail).ConfigureAwait(false);
        if (document is null)
        {
            return error!;
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("record"u8, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return JsonBody.Problem(StatusCodes.Status400BadRequest, RecordFail,
                    "the body must be {\"record\": <value>} where the value is any JSON value except null");
            }

            var raw = JsonMarshal.GetRawUtf8Value(value).ToArray();
            if (raw.Length > maxRecordBytes)
            {
                return JsonBody.Problem(StatusCodes.Status413PayloadTooLarge, "Record Too Large",
                    $"the record is {raw.Length} bytes of JSON; the cap is {maxRecordBytes} bytes (P2P:MaxRecordBytes)");
            }

            var shown = value.ValueKind == JsonValueKind.String ? value.GetString() : Encoding.UTF8.GetString(raw);
            var result = await gossip.PublishAsync(raw, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(
                new RecordCreatedResponse($"New Record: '{MessageCodec.Truncate(shown, 80)}'", result.Record.Key, result.TraceId),
                ApiJsonContext.Relaxed.RecordCreatedResponse, statusCode: StatusCodes.Status201Created);
        }
    }
}
