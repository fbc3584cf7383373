using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AspireP2P.Node.Hosting;
using AspireP2P.Node.Mesh;
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
            .WithTags("Records")
            .WithSummary("Record values in insertion order; ?after=N skips the first N, ?limit=M returns at most M.")
            .WithDescription("Each value exactly as it was posted (any JSON). 400 for a negative after or limit.")
            .Produces<JsonElement[]>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        app.MapPost("/record", PostRecordAsync)
            .WithName("PostRecord")
            .WithTags("Records")
            .WithSummary("Stores {\"record\": <any JSON value>} and gossips it to the network.")
            .WithDescription("201 with the record's key and trace id once the record is durable; 400 for a missing or null record or a body "
                + "that is not a JSON object; 413 for a record over P2P:MaxRecordBytes; 503 with the reason when the node cannot store it "
                + "or no answer came within P2P:RequestTimeout (not acknowledged: a record that timed out may still be stored).")
            .AcceptsJson<RecordRequest>()
            .RequireApiKey()
            .Produces<RecordCreatedResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>Answers up to this size are sent as one body with a Content-Length; larger ones stream in chunks.</summary>
    private const int ChunkBytes = 256 * 1024;

    /// <summary>
    /// Writes the stored JSON values as they are (no per-record serialization), in log order, reading the log in chunks
    /// (from disk beyond its in-memory tail): memory stays flat however many records there are. A small answer goes out as
    /// one body with a Content-Length; a large one streams.
    /// </summary>
    public static async Task GetRecordsAsync(HttpContext context, RecordStore store, int? after, int? limit)
    {
        if (after < 0 || limit < 0)
        {
            await JsonBody.Problem(StatusCodes.Status400BadRequest, "Invalid Paging", "after and limit must be zero or positive").ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        var length = 0;
        var streaming = false;
        try
        {
            buffer[length++] = (byte)'[';
            var first = true;
            var skip = after ?? 0;
            var remaining = limit ?? int.MaxValue;
            foreach (var value in store.VisibleValues())
            {
                if (skip > 0)
                {
                    skip--;
                    continue;
                }

                if (remaining-- == 0)
                {
                    break;
                }

                if (buffer.Length - length < value.Length + 2)
                {
                    streaming = true;
                    await context.Response.Body.WriteAsync(buffer.AsMemory(0, length), context.RequestAborted);
                    length = 0;
                    if (buffer.Length < value.Length + 2)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = ArrayPool<byte>.Shared.Rent(value.Length + 2);
                    }
                }

                if (!first)
                {
                    buffer[length++] = (byte)',';
                }

                first = false;
                value.Span.CopyTo(buffer.AsSpan(length));
                length += value.Length;
            }

            buffer[length++] = (byte)']';
            if (!streaming)
            {
                context.Response.ContentLength = length;
            }

            await context.Response.Body.WriteAsync(buffer.AsMemory(0, length), context.RequestAborted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static async Task<IResult> PostRecordAsync(HttpRequest request, Publisher publisher, IOptions<NodeOptions> options, TimeProvider time)
    {
        var maxRecordBytes = options.Value.MaxRecordBytes;
        var (document, error) = await JsonBody.ReadObjectAsync(request, maxRecordBytes + 1024, RecordFail);
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
            // The call's own deadline: whatever happens inside the node, the client gets an answer in bounded time.
            var timeout = options.Value.RequestTimeout;
            using var deadline = new CancellationTokenSource(timeout, time);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, request.HttpContext.RequestAborted);
            PublishResult result;
            try
            {
                result = await publisher.PublishAsync(raw, waiting.Token);
            }
            catch (PublishFailedException ex)
            {
                // The record was not stored (or is not safe): say so, never 201. The reason carries no file path.
                return JsonBody.Problem(StatusCodes.Status503ServiceUnavailable, "Records Unavailable", $"this node cannot store records now: {ex.Message}");
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return JsonBody.Problem(StatusCodes.Status503ServiceUnavailable, "Records Unavailable",
                    $"the record was not acknowledged within {timeout.TotalSeconds:0.#} s (P2P:RequestTimeout); it may still be stored");
            }

            return TypedResults.Json(
                new RecordCreatedResponse($"New Record: '{MessageCodec.Truncate(shown, 80)}'", result.Entry.Key, result.TraceId),
                ApiJsonContext.Relaxed.RecordCreatedResponse, statusCode: StatusCodes.Status201Created);
        }
    }
}
