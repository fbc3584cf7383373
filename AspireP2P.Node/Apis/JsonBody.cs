using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace AspireP2P.Node.Apis;

/// <summary>
/// Reads a JSON request body under a size cap and turns every way it can be wrong into a ProblemDetails
/// answer. Every problem also carries the tutorial's <c>message</c> field, so seed clients read it too.
/// </summary>
internal static class JsonBody
{
    public static async Task<(JsonDocument? Document, IResult? Error)> ReadObjectAsync(HttpRequest request, int maxBytes, string failTitle)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(request.ContentLength.Value, maxBytes));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            var detail = request.ContentLength == 0 ? "the request body is empty; send a JSON object" : $"the request body is not valid JSON: {ex.Message}";
            return (null, Problem(StatusCodes.Status400BadRequest, failTitle, detail));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(null, maxBytes));
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind.ToString().ToLowerInvariant();
            document.Dispose();
            return (null, Problem(StatusCodes.Status400BadRequest, failTitle, $"the request body must be a JSON object, not {kind}"));
        }

        return (document, null);
    }

    public static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Extensions = { ["message"] = title },
        });

    private static IResult TooLarge(long? length, int maxBytes) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Payload Too Large",
            $"the request body{(length is { } l ? $" is {l} bytes and" : string.Empty)} exceeds the cap of {maxBytes} bytes (P2P:MaxRecordBytes sets it)");
}
