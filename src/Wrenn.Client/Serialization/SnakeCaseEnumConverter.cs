using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>An enumeration as the API writes it: lowercase snake_case strings (<c>running</c>, <c>byoc</c>).</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
