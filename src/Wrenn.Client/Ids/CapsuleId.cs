using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A capsule's id: <c>cl-</c> and 25 base-36 digits.</summary>
[JsonConverter(typeof(WrennIdJsonConverter<CapsuleId>))]
public readonly record struct CapsuleId : IWrennId<CapsuleId>
{
    private CapsuleId(string value) => Value = value;

    /// <inheritdoc />
    public string Value { get; }

    /// <inheritdoc />
    public static string Prefix => "cl-";

    static CapsuleId IWrennId<CapsuleId>.Wrap(string value) => new(value);

    /// <summary>Parses an id, or throws <see cref="FormatException"/>.</summary>
    public static CapsuleId Parse(string text) => WrennIds.Parse<CapsuleId>(text);

    /// <summary>Parses an id.</summary>
    public static bool TryParse(string? text, out CapsuleId id) => WrennIds.TryParse(text, out id);

    /// <inheritdoc />
    public override string ToString() => Value;
}
