using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>What a template holds.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<TemplateType>))]
public enum TemplateType
{
    /// <summary>A filesystem image: capsules boot from it with the size chosen at create.</summary>
    Base,

    /// <summary>Saved memory and disk: capsules start with its processes running, at its fixed size.</summary>
    Snapshot,
}
