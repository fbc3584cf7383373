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
            .WithTags("Records")
            .WithSummary("Record values in insertion order; ?after=N skips the first N, ?limit=M returns at most M.")
            .WithDescription("Each value exactly as it was posted (any JSON). 400 for a negative after or limit.")
            .Produces<JsonElement[]>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        app.MapPost("/record", PostRecordAsync)
            .WithName("PostRecord")
            .WithTags("Records")
            .WithSummary("Stores {\"record\": <any JSON value>} and gossips it to the network.")
            .WithDescription("201 with the record's key and trace id; 400 for a missing or null record or a body that is not a JSON object; "
                + "413 for a record over P2P:MaxRecordBytes.")
            .AcceptsJson<RecordRequest>()
            .RequireApiKey()
            .Produces<RecordCreatedResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return app;
    }

    /// <summary>Above this size GET /records streams in chunks instead of answering with one sized body.</summary>
    private const int WholeBodyLimit = 8 * 1024 * 1024;

    private static readonly byte[] ClosingBracket = "]"u8.ToArray();

    /// <summary>
    /// Writes the stored JSON values as they are (no per-record serialization). Without paging the answer comes from
    /// <see cref="RecordListCache"/>. A page is copied into one
    /// pooled buffer and sent as a single body with a Content-Length, which costs one copy and a few large writes;
    /// a body past <see cref="WholeBodyLimit"/> is streamed in 256 KiB chunks from there on instead.
    /// </summary>
    public static async Task GetRecordsAsync(HttpContext context, RecordStore store, RecordListCache whole, int? after, int? limit)
    {
        if (after < 0 || limit < 0)
        {
            await JsonBody.Problem(StatusCodes.Status400BadRequest, "Invalid Paging", "after and limit must be zero or positive").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        if (after is null or 0 && limit is null)
        {
            // The seed's plain GET /records: the whole list, kept ready as one buffer.
            var body = whole.OpenArray();
            context.Response.ContentLength = body.Length + 1;
            await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.WriteAsync(ClosingBracket, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        // Sized from the first values' average so that a large answer is not regrown (and re-copied) many times.
        var expected = (long)Math.Min(limit ?? int.MaxValue, store.Length) * (store.AverageValueBytes + 1) + 2;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(expected + expected / 8, 4096, WholeBodyLimit));
        var length = 0;
        var streaming = false;
        try
        {
            buffer[length++] = (byte)'[';
            var first = true;
            foreach (var record in store.Read(after ?? 0, limit ?? int.MaxValue))
            {
                var value = record.ValueJson;
                if (buffer.Length - length < value.Length + 2)
                {
                    if (!streaming && length + value.Length + 2 <= WholeBodyLimit)
                    {
                        buffer = Grow(buffer, length, Math.Max(buffer.Length * 2, length + value.Length + 2));
                    }
                    else
                    {
                        // Too big for one body: send what is gathered and go on in chunks.
                        streaming = true;
                        await context.Response.Body.WriteAsync(buffer.AsMemory(0, length), context.RequestAborted).ConfigureAwait(false);
                        length = 0;
                        if (buffer.Length < value.Length + 2 || buffer.Length > 256 * 1024)
                        {
                            buffer = Grow(buffer, 0, Math.Max(value.Length + 2, 256 * 1024), shrink: true);
                        }
                    }
                }

                if (!first)
                {
                    buffer[length++] = (byte)',';
                }

                first = false;
                value.CopyTo(buffer.AsSpan(length));
                length += value.Length;
            }

            buffer[length++] = (byte)']';
            if (!streaming)
            {
                context.Response.ContentLength = length;
            }

            await context.Response.Body.WriteAsync(buffer.AsMemory(0, length), context.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Grow(byte[] buffer, int keep, int size, bool shrink = false)
    {
        var larger = ArrayPool<byte>.Shared.Rent(shrink ? size : Math.Max(size, buffer.Length * 2));
        buffer.AsSpan(0, keep).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
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
