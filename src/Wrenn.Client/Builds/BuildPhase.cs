using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>The part of a build a step belongs to.</summary>
[JsonConverter(typeof(KebabCaseEnumConverter<BuildPhase>))]
public enum BuildPhase
{
    /// <summary>The fixed steps before the recipe (package index, build user, its home).</summary>
    PreBuild,

    /// <summary>The recipe's own lines.</summary>
    Recipe,

    /// <summary>The fixed clean-up steps after the recipe.</summary>
    PostBuild,
}
