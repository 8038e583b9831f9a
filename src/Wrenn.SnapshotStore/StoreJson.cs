using System.Text.Json;

namespace Wrenn.SnapshotStore;

/// <summary>How manifests are written: snake_case names, and reads that refuse a missing or null required member.</summary>
internal static class StoreJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };
}
