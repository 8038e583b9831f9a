using System.Text.Json;
using System.Text.Json.Serialization;
using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.E2b;

/// <summary>E2B's REST JSON: camelCase members (a few snake_case ones carry their own names), RFC 3339 times, nulls left out.</summary>
internal static class E2bJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public static IResult Reply<T>(T value, int status = StatusCodes.Status200OK) => TypedResults.Json(value, Options, ApiJson.ContentType, status);

    /// <summary>The body as <typeparamref name="T"/>, with the v1 API's limits and 400s.</summary>
    public static Task<T> ReadAsync<T>(HttpRequest request) where T : new() => ApiJson.ReadAsync<T>(request, Options);
}
