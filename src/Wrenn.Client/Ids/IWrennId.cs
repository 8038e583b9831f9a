using System.Text.Json;
using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>An id of the Wrenn API: a prefix (<c>cl-</c>, <c>team-</c>…) and 25 lowercase base-36 digits.</summary>
public interface IWrennId<TSelf> where TSelf : struct, IWrennId<TSelf>
{
    /// <summary>The id as the API writes it.</summary>
    string Value { get; }

    /// <summary>The id's prefix, e.g. <c>cl-</c>.</summary>
    static abstract string Prefix { get; }

    /// <summary>Wraps a value already known to be well formed.</summary>
    internal static abstract TSelf Wrap(string value);
}

/// <summary>Parsing shared by every id type.</summary>
public static class WrennIds
{
    private const int DigitCount = 25;

    /// <summary>Parses <paramref name="text"/> as an id of type <typeparamref name="TId"/>.</summary>
    public static bool TryParse<TId>(string? text, out TId id) where TId : struct, IWrennId<TId>
    {
        id = default;
        if (text is null || text.Length != TId.Prefix.Length + DigitCount || !text.StartsWith(TId.Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in text.AsSpan(TId.Prefix.Length))
        {
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'z'))
            {
                return false;
            }
        }

        id = TId.Wrap(text);
        return true;
    }

    /// <summary>Parses <paramref name="text"/>, or throws <see cref="FormatException"/>.</summary>
    public static TId Parse<TId>(string text) where TId : struct, IWrennId<TId>
        => TryParse<TId>(text, out var id) ? id : throw new FormatException($"'{text}' is not a {TId.Prefix}… id");
}

/// <summary>Reads and writes an id as its JSON string.</summary>
public sealed class WrennIdJsonConverter<TId> : JsonConverter<TId> where TId : struct, IWrennId<TId>
{
    /// <inheritdoc />
    public override TId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => WrennIds.TryParse<TId>(reader.GetString(), out var id) ? id : throw new JsonException($"not a {TId.Prefix}… id");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, TId value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
