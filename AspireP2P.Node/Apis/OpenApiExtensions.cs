using System.Text.Json.Serialization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace AspireP2P.Node.Apis;

/// <summary>
/// The node's OpenAPI document (ASP.NET Core's built-in generator) at <see cref="DocumentPath"/> and its Scalar API
/// reference page at <see cref="ReferencePath"/>. The document is built from the route tables' metadata
/// (<c>Produces</c>, <c>ProducesProblem</c>, <c>AcceptsJson</c>, <c>RequireApiKey</c>) plus the answers every endpoint
/// can give (<see cref="OpenApiGuardResponses"/>) and what is not a minimal-API endpoint (<see cref="OpenApiNodeDocument"/>).
/// </summary>
public static class OpenApiExtensions
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/scalar";

    public static IServiceCollection AddNodeOpenApi(this IServiceCollection services)
    {
        // The schemas follow these options. Handlers write numbers as numbers; the web defaults' "numbers may be strings"
        // is only a reading leniency that no endpoint uses (bodies are read as JsonDocument), so the document says "integer".
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer<OpenApiNodeDocument>();
            options.AddOperationTransformer<OpenApiGuardResponses>();
            options.AddSchemaTransformer<OpenApiOmittedNulls>();
        });
    }

    /// <summary>Documents a server-sent event stream as what it is on the wire: text/event-stream, not the SseItem object.</summary>
    public static RouteHandlerBuilder ProducesEventStream(this RouteHandlerBuilder builder, string description) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
            {
                response.Description = description;
                response.Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                };
            }

            return Task.CompletedTask;
        });

    public static IEndpointRouteBuilder MapNodeApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        // Everything the page needs is served by the node itself: no fonts, telemetry or AI agent from elsewhere.
        app.MapScalarApiReference(ReferencePath, options => options
            .WithTitle("AspireP2P node API")
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .AddPreferredSecuritySchemes(OpenApiNodeDocument.ApiKeyScheme));
        return app;
    }
}
