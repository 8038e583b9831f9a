using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>An enumeration the API writes in kebab-case (<c>pre-build</c>).</summary>
public sealed class KebabCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
