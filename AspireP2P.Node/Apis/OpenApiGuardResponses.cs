using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AspireP2P.Node.Apis;

/// <summary>
/// The answers of the API guard, on the operations they apply to: 429 on every one (the rate limiter sees every
/// request), the API key's security requirement on those marked <c>RequireApiKey</c>, and what their 401, 403 and 415 mean.
/// </summary>
internal sealed class OpenApiGuardResponses : IOpenApiOperationTransformer
{
    private const string ProblemJson = "application/problem+json";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Responses ??= [];
        operation.Responses.TryAdd("429", await TooManyRequestsAsync(context.Document!, context.GetOrCreateSchemaAsync, cancellationToken).ConfigureAwait(false));

        Describe(operation, "401", "No API key, or a wrong one (only when the node has one: P2P:ApiKey).");
        Describe(operation, "403", "A browser request from a page of another origin (Origin or Sec-Fetch-Site says so).");
        Describe(operation, "415", "The body was not sent as application/json.");

        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<RequireApiKeyAttribute>().Any())
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiNodeDocument.ApiKeyScheme, context.Document)] = [] });
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiNodeDocument.BearerScheme, context.Document)] = [] });
        }
    }

    internal static async Task<IOpenApiResponse> TooManyRequestsAsync(
        OpenApiDocument document, Func<Type, ApiParameterDescription?, CancellationToken, Task<OpenApiSchema>> schemaOf, CancellationToken cancellationToken)
    {
        var problem = await schemaOf(typeof(ProblemDetails), null, cancellationToken).ConfigureAwait(false);
        document.AddComponent<IOpenApiSchema>(nameof(ProblemDetails), problem);
        var problemReference = new OpenApiSchemaReference(nameof(ProblemDetails), document);
        return new OpenApiResponse
        {
            Description = "This client went over its rate limit (P2P:RateLimit; loopback clients are exempt by default).",
            Headers = new Dictionary<string, IOpenApiHeader>
            {
                [Microsoft.Net.Http.Headers.HeaderNames.RetryAfter] = new OpenApiHeader
                {
                    Description = "Seconds to wait before retrying.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                },
            },
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new() { Schema = problemReference },
            },
        };
    }

    private static void Describe(OpenApiOperation operation, string status, string description)
    {
        if (operation.Responses?.TryGetValue(status, out var response) == true && response is OpenApiResponse concrete)
        {
            concrete.Description = description;
        }
    }
}
