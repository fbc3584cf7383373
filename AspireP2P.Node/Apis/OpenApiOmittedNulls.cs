using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AspireP2P.Node.Apis;

/// <summary>
/// The page's JSON (<see cref="UiJsonContext"/>) leaves null members out, so in the document they are optional rather than
/// required-and-nullable, as the generator would say from the records' constructors.
/// </summary>
internal sealed class OpenApiOmittedNulls : IOpenApiSchemaTransformer
{
    private static readonly HashSet<Type> NullsOmitted = [.. typeof(UiJsonContext).CustomAttributes
        .Where(a => a.AttributeType == typeof(JsonSerializableAttribute))
        .Select(a => (Type)a.ConstructorArguments[0].Value!)];

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Required is { Count: > 0 } required && NullsOmitted.Contains(context.JsonTypeInfo.Type))
        {
            foreach (var property in context.JsonTypeInfo.Properties.Where(p => p.IsGetNullable))
            {
                required.Remove(property.Name);
            }
        }

        return Task.CompletedTask;
    }
}
