using System.Text.Json;

namespace Wrenn.Client;

/// <summary>The API's names of enumeration values (lowercase snake_case), for queries and messages.</summary>
public static class WrennEnums
{
    /// <summary>The name the API uses for <paramref name="value"/>, e.g. <c>running</c>.</summary>
    public static string NameOf<TEnum>(TEnum value) where TEnum : struct, Enum
        => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Parses an API name (case-insensitive) into <typeparamref name="TEnum"/>.</summary>
    public static bool TryParse<TEnum>(string? name, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(NameOf(candidate), name, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
