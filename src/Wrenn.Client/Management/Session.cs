namespace Wrenn.Client;

/// <summary>
/// A user's session in one team. Its <see cref="Token"/> is the <see cref="WrennClientOptions.AccessToken"/> of a
/// client for the management routes.
/// </summary>
/// <param name="Token">The bearer token.</param>
/// <param name="ExpiresAt">When it stops working.</param>
/// <param name="UserId">The user.</param>
/// <param name="TeamId">The team it acts for.</param>
/// <param name="Email">The user's email.</param>
/// <param name="Name">The user's name.</param>
/// <param name="Role">The user's role in the team.</param>
/// <param name="IsAdmin">The user is a platform admin (hosts, platform templates).</param>
public sealed record Session(string Token, DateTimeOffset ExpiresAt, UserId UserId, TeamId TeamId, string Email, string Name, TeamRole Role, bool IsAdmin)
{
    /// <summary>Options for a client with this session, against <paramref name="baseUrl"/> (default <see cref="WrennClientOptions.DefaultBaseUrl"/>).</summary>
    public WrennClientOptions ToOptions(Uri? baseUrl = null) => new() { BaseUrl = baseUrl ?? WrennClientOptions.DefaultBaseUrl, AccessToken = Token };

    /// <inheritdoc />
    // The token is a credential: records print every member, and logs must not get it.
    public override string ToString() => $"Session {{ UserId = {UserId}, TeamId = {TeamId}, Email = {Email}, Role = {Role}, ExpiresAt = {ExpiresAt:O} }}";
}
