using System.Text.Json.Serialization;

namespace Wrenn.Client;

/// <summary>One recorded action of the team (never with secrets).</summary>
/// <param name="Id">Its id (<c>log-…</c>).</param>
/// <param name="CreatedAt">When it happened.</param>
/// <param name="ActorType">Who acted.</param>
/// <param name="ActorId">The user's or key's id.</param>
/// <param name="ActorName">The user's email or the key's name.</param>
/// <param name="ResourceType">What it acted on: <c>capsule</c>, <c>snapshot</c>, <c>api_key</c>, <c>member</c>, <c>team</c>, <c>host</c>, <c>build</c>.</param>
/// <param name="ResourceId">The resource's id or name.</param>
/// <param name="Action">What was done, e.g. <c>capsule.create</c>.</param>
/// <param name="Status">Whether it succeeded.</param>
/// <param name="Metadata">Details of the action; the keys depend on it.</param>
public sealed record AuditEntry(
    string Id,
    DateTimeOffset CreatedAt,
    AuditActorType ActorType,
    string? ActorId,
    string? ActorName,
    string ResourceType,
    string? ResourceId,
    string Action,
    AuditStatus Status,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>Who performed an audited action.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<AuditActorType>))]
public enum AuditActorType
{
    /// <summary>A user's session.</summary>
    User,

    /// <summary>An API key.</summary>
    ApiKey,

    /// <summary>The system (an inactivity pause, a drain, an auto-resume).</summary>
    System,
}

/// <summary>The outcome of an audited action.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<AuditStatus>))]
public enum AuditStatus
{
    /// <summary>It succeeded.</summary>
    Success,

    /// <summary>It failed.</summary>
    Failure,
}

/// <summary>One page of the audit log.</summary>
/// <param name="Items">Its entries, newest first.</param>
/// <param name="NextCursor">The cursor of the next (older) page; null on the last.</param>
public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, string? NextCursor);
