namespace Wrenn.Client;

/// <summary>
/// Accounts and sessions (<c>/v1/auth</c>, <c>/v1/me</c>). Sign-up, activation and login need no credential;
/// a returned <see cref="Session"/> authenticates another client (<see cref="WrennClient.WithSession"/>).
/// </summary>
public sealed class AuthClient
{
    private readonly ApiConnection _api;

    internal AuthClient(ApiConnection api) => _api = api;

    /// <summary>Creates an account with its own team, of which it is the owner.</summary>
    /// <exception cref="ConflictException">The email is registered.</exception>
    /// <exception cref="ForbiddenException">The operator turned sign-up off.</exception>
    public Task<SignupResult> SignupAsync(string email, string password, string name, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, "v1/auth/signup", ApiConnection.Json(new SignupBody(email, password, name), WrennJson.Default.SignupBody),
            WrennJson.Default.SignupResult, cancellationToken);

    /// <summary>Logs in, for the user's default team.</summary>
    /// <exception cref="UnauthorizedException">Wrong email or password.</exception>
    /// <exception cref="RateLimitedException">Too many failures: locked out for a while.</exception>
    public Task<Session> LoginAsync(string email, string password, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, "v1/auth/login", ApiConnection.Json(new LoginBody(email, password), WrennJson.Default.LoginBody),
            WrennJson.Default.Session, cancellationToken);

    /// <summary>Activates an account with the token of its emailed link, and logs in.</summary>
    /// <exception cref="UnauthorizedException">The token is unknown, expired or used.</exception>
    public Task<Session> ActivateAsync(string token, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, "v1/auth/activate", ApiConnection.Json(new ActivateBody(token), WrennJson.Default.ActivateBody),
            WrennJson.Default.Session, cancellationToken);

    /// <summary>A new session of the same user for another of their teams.</summary>
    /// <exception cref="NotFoundException">The user is not a member of <paramref name="team"/>.</exception>
    public Task<Session> SwitchTeamAsync(TeamId team, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, "v1/auth/switch-team", ApiConnection.Json(new SwitchTeamBody(team), WrennJson.Default.SwitchTeamBody),
            WrennJson.Default.Session, cancellationToken);

    /// <summary>The session's user, team and role.</summary>
    public Task<CurrentUser> GetCurrentUserAsync(CancellationToken cancellationToken = default)
        => _api.GetAsync("v1/me", WrennJson.Default.CurrentUser, cancellationToken);
}
