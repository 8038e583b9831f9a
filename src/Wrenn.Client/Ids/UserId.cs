using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A user's id: <c>usr-</c> and 25 base-36 digits.</summary>
[JsonConverter(typeof(WrennIdJsonConverter<UserId>))]
public readonly record struct UserId : IWrennId<UserId>
{
    private UserId(string value) => Value = value;

    /// <inheritdoc />
    public string Value { get; }

    /// <inheritdoc />
    public static string Prefix => "usr-";

    static UserId IWrennId<UserId>.Wrap(string value) => new(value);

    /// <summary>Parses an id, or throws <see cref="FormatException"/>.</summary>
    public static UserId Parse(string text) => WrennIds.Parse<UserId>(text);

    /// <summary>Parses an id.</summary>
    public static bool TryParse(string? text, out UserId id) => WrennIds.TryParse(text, out id);

    /// <inheritdoc />
    public override string ToString() => Value;
}
