using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A host's id: <c>host-</c> and 25 base-36 digits.</summary>
[JsonConverter(typeof(WrennIdJsonConverter<HostId>))]
public readonly record struct HostId : IWrennId<HostId>
{
    private HostId(string value) => Value = value;

    /// <inheritdoc />
    public string Value { get; }

    /// <inheritdoc />
    public static string Prefix => "host-";

    static HostId IWrennId<HostId>.Wrap(string value) => new(value);

    /// <summary>Parses an id, or throws <see cref="FormatException"/>.</summary>
    public static HostId Parse(string text) => WrennIds.Parse<HostId>(text);

    /// <summary>Parses an id.</summary>
    public static bool TryParse(string? text, out HostId id) => WrennIds.TryParse(text, out id);

    /// <inheritdoc />
    public override string ToString() => Value;
}
