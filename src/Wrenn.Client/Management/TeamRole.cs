using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>A member's role in a team.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<TeamRole>))]
public enum TeamRole
{
    /// <summary>Capsules, templates, own API keys, the audit log.</summary>
    Member,

    /// <summary>A member who also manages members, any API key and the team's name.</summary>
    Admin,

    /// <summary>An admin who may also delete the team; there is one, and its role cannot change.</summary>
    Owner,
}
