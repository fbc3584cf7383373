using AspireP2P.Node.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AspireP2P.Node.Apis;

/// <summary>
/// What the generator cannot see in the route tables: the document's title and description, the API key's security
/// schemes, and the health endpoints (mapped by the service defaults, not as minimal-API handlers).
/// </summary>
internal sealed class OpenApiNodeDocument : IOpenApiDocumentTransformer
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    private const string Description =
        "The HTTP API of one AspireP2P node: the tutorial's four endpoints (GET /peers, POST /peer, GET /records, POST /record) "
        + "and the richer /api/* ones. Peers speak the WebSocket protocol on any path (a WebSocket upgrade, not described here).\n\n"
        + "Endpoints that change the node need the API key when one is configured (--api-key, P2P:ApiKey; always when the node "
        + "listens beyond loopback): send it in X-Api-Key or as Authorization: Bearer. JSON bodies must be sent as application/json. "
        + "Every error is an RFC 9457 ProblemDetails that also carries the tutorial's `message` field.";

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo { Title = "AspireP2P node", Version = OpenApiExtensions.DocumentName, Description = Description };

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyVerifier.ApiKeyHeader,
            Description = "The node's API key (P2P:ApiKey, --api-key).",
        };
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The node's API key as a bearer token: Authorization: Bearer <key>.",
        };

        var tooMany = await OpenApiGuardResponses.TooManyRequestsAsync(document, context.GetOrCreateSchemaAsync, cancellationToken).ConfigureAwait(false);
        document.Paths ??= [];
        document.Paths["/health"] = HealthPath("GetHealth", "Readiness: Healthy once every --peers entry is connected.",
            "200 Healthy; 503 Degraded while the node still dials its --peers, or Unhealthy.", tooMany);
        document.Paths["/alive"] = HealthPath("GetAlive", "Liveness: Healthy while the process runs.", "200 Healthy; 503 Unhealthy.", tooMany);
    }

    private static OpenApiPathItem HealthPath(string operationId, string summary, string description, IOpenApiResponse tooMany)
    {
        var text = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } };
        return new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = operationId,
                    Summary = summary,
                    Description = description,
                    Tags = new HashSet<OpenApiTagReference> { new("Node") },
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse { Description = "Healthy", Content = text },
                        ["503"] = new OpenApiResponse { Description = "Degraded or Unhealthy", Content = text },
                        ["429"] = tooMany,
                    },
                },
            },
        };
    }
}
