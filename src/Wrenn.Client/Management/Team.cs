namespace Wrenn.Client;

/// <summary>A team the caller belongs to.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Slug">Its name in URL form.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Role">The caller's role in it.</param>
public sealed record Team(TeamId Id, string Name, string Slug, DateTimeOffset CreatedAt, TeamRole Role);

/// <summary>A member of a team.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Email">Their email.</param>
/// <param name="Name">Their name.</param>
/// <param name="Role">Their role.</param>
/// <param name="JoinedAt">When they joined.</param>
public sealed record TeamMember(UserId UserId, string Email, string Name, TeamRole Role, DateTimeOffset JoinedAt);

/// <summary>A team with its members.</summary>
/// <param name="Team">The team.</param>
/// <param name="Members">Its members.</param>
public sealed record TeamDetails(Team Team, IReadOnlyList<TeamMember> Members);

/// <summary>The JSON body of a team create or rename.</summary>
internal sealed record TeamNameBody(string Name);

/// <summary>The JSON body of a member add or role change.</summary>
internal sealed record MemberBody(string? Email, TeamRole Role);
