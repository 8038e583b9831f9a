using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A team's id: <c>team-</c> and 25 base-36 digits.</summary>
[JsonConverter(typeof(WrennIdJsonConverter<TeamId>))]
public readonly record struct TeamId : IWrennId<TeamId>
{
    private TeamId(string value) => Value = value;

    /// <inheritdoc />
    public string Value { get; }

    /// <inheritdoc />
    public static string Prefix => "team-";

    static TeamId IWrennId<TeamId>.Wrap(string value) => new(value);

    /// <summary>Parses an id, or throws <see cref="FormatException"/>.</summary>
    public static TeamId Parse(string text) => WrennIds.Parse<TeamId>(text);

    /// <summary>Parses an id.</summary>
    public static bool TryParse(string? text, out TeamId id) => WrennIds.TryParse(text, out id);

    /// <inheritdoc />
    public override string ToString() => Value;
}
