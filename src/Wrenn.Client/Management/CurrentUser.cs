namespace Wrenn.Client;

/// <summary>The user of the session, and the team it acts for.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Email">Their email.</param>
/// <param name="Name">Their name.</param>
/// <param name="IsAdmin">A platform admin.</param>
/// <param name="TeamId">The session's team.</param>
/// <param name="Role">Their role in it.</param>
public sealed record CurrentUser(UserId UserId, string Email, string Name, bool IsAdmin, TeamId TeamId, TeamRole Role);
