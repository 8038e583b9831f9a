using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>An API key's id: <c>key-</c> and 25 base-36 digits.</summary>
[JsonConverter(typeof(WrennIdJsonConverter<ApiKeyId>))]
public readonly record struct ApiKeyId : IWrennId<ApiKeyId>
{
    private ApiKeyId(string value) => Value = value;

    /// <inheritdoc />
    public string Value { get; }

    /// <inheritdoc />
    public static string Prefix => "key-";

    static ApiKeyId IWrennId<ApiKeyId>.Wrap(string value) => new(value);

    /// <summary>Parses an id, or throws <see cref="FormatException"/>.</summary>
    public static ApiKeyId Parse(string text) => WrennIds.Parse<ApiKeyId>(text);

    /// <summary>Parses an id.</summary>
    public static bool TryParse(string? text, out ApiKeyId id) => WrennIds.TryParse(text, out id);

    /// <inheritdoc />
    public override string ToString() => Value;
}
