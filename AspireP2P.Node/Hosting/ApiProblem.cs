using Microsoft.AspNetCore.Mvc;

namespace AspireP2P.Node.Hosting;

/// <summary>The API guard's refusals: RFC 9457 ProblemDetails that also carry the tutorial's <c>message</c> field, as every other error does.</summary>
internal static class ApiProblem
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Extensions = { ["message"] = title },
        }).ExecuteAsync(context);

    /// <summary>A header value as it may appear in a message: short, printable.</summary>
    public static string Quote(string? value) =>
        value is null ? string.Empty
        : new string([.. value.Take(100).Select(c => char.IsControl(c) ? '?' : c)]) + (value.Length > 100 ? "…" : string.Empty);
}
