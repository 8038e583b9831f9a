namespace Wrenn.Client;

/// <summary>
/// A user's session in one team: <see cref="WrennClient.WithSession"/> makes a client that acts with it (its
/// <see cref="Token"/> is that client's <see cref="WrennClientOptions.AccessToken"/>).
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
    /// <inheritdoc />
    // The token is a credential: records print every member, and logs must not get it.
    public override string ToString() => $"Session {{ UserId = {UserId}, TeamId = {TeamId}, Email = {Email}, Role = {Role}, ExpiresAt = {ExpiresAt:O} }}";
}
