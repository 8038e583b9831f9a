using Microsoft.OpenApi;

namespace Wrenn.ControlPlane.Api;

/// <summary>
/// Documents a route's request body in the OpenAPI document without constraining routing by
/// content type (bodies are JSON whatever their <c>Content-Type</c>, spec §1.2). Called twice with
/// different content types, the route documents both (a JSON body or its multipart form).
/// </summary>
internal static class OpenApiBodies
{
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder route, string contentType = "application/json") =>
        route.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken).ConfigureAwait(false);
            operation.RequestBody ??= new OpenApiRequestBody { Required = true, Content = new Dictionary<string, OpenApiMediaType>() };
            operation.RequestBody.Content![contentType] = new OpenApiMediaType { Schema = schema };
        });
}
