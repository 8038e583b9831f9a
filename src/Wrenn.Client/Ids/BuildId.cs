using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A template build's id: <c>bld-</c> and 25 base-36 digits.</summary>
[JsonConverter(typeof(WrennIdJsonConverter<BuildId>))]
public readonly record struct BuildId : IWrennId<BuildId>
{
    private BuildId(string value) => Value = value;

    /// <inheritdoc />
    public string Value { get; }

    /// <inheritdoc />
    public static string Prefix => "bld-";

    static BuildId IWrennId<BuildId>.Wrap(string value) => new(value);

    /// <summary>Parses an id, or throws <see cref="FormatException"/>.</summary>
    public static BuildId Parse(string text) => WrennIds.Parse<BuildId>(text);

    /// <summary>Parses an id.</summary>
    public static bool TryParse(string? text, out BuildId id) => WrennIds.TryParse(text, out id);

    /// <inheritdoc />
    public override string ToString() => Value;
}
