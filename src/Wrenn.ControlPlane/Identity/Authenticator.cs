using Wrenn.ControlPlane.Api;

namespace Wrenn.ControlPlane.Identity;

/// <summary>Which credentials a route accepts (spec §2.1).</summary>
internal enum CredentialKinds
{
    /// <summary><c>X-API-Key</c>, or a Bearer session; the key wins when both are sent.</summary>
    KeyOrSession,
    /// <summary>A Bearer session only; an API key alone is a 401.</summary>
    SessionOnly,
}

/// <summary>
/// Turns a request's credential into a <see cref="Caller"/>, re-reading the user and membership on
/// every request (a removed member is refused at once). Every failure is the same 401 except an
/// inactive user (403).
/// </summary>
internal sealed class Authenticator(ApiKeys keys, Sessions sessions, Accounts accounts, RequestLimiter limiter)
{
    private static readonly ApiException Unauthorized = new(ApiErrorCode.Unauthorized, "missing or invalid credentials");

    public Task<Caller> AuthenticateAsync(HttpContext context, CredentialKinds kinds)
    {
        var headers = context.Request.Headers;
        if (headers.ContainsKey(Hosts.HostEndpoints.HostTokenHeader))
        {
            // A host's credential is for its heartbeats only: with it, a request gets nothing else,
            // whatever other credential it carries.
            throw new ApiException(ApiErrorCode.Unauthorized, "host tokens are accepted only by the heartbeat route");
        }

        var key = headers["X-API-Key"].ToString();
        var authorization = headers.Authorization.ToString();
        return AuthenticateAsync(kinds, key, authorization, context.RequestAborted);
    }

    /// <summary>Authenticates a token given in a WebSocket's first message (JWT or API key).</summary>
    public Task<Caller> AuthenticateTokenAsync(string token, CancellationToken cancellationToken) =>
        token.StartsWith("wrn_", StringComparison.Ordinal)
            ? AuthenticateAsync(CredentialKinds.KeyOrSession, token, string.Empty, cancellationToken)
            : AuthenticateAsync(CredentialKinds.KeyOrSession, string.Empty, "Bearer " + token, cancellationToken);

    private async Task<Caller> AuthenticateAsync(CredentialKinds kinds, string key, string authorization, CancellationToken cancellationToken)
    {
        var caller = await IdentifyAsync(kinds, key, authorization, cancellationToken).ConfigureAwait(false);
        limiter.Admit(caller);
        return caller;
    }

    private async Task<Caller> IdentifyAsync(CredentialKinds kinds, string key, string authorization, CancellationToken cancellationToken)
    {
        if (kinds == CredentialKinds.KeyOrSession && key.Length > 0)
        {
            var record = await keys.FindAsync(key, cancellationToken).ConfigureAwait(false) ?? throw Unauthorized;
            return new Caller(new TeamId(record.TeamId), "api_key", record.Id, record.Name, null, null);
        }

        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw Unauthorized;
        }

        var session = await sessions.ValidateAsync(authorization[scheme.Length..].Trim(), cancellationToken).ConfigureAwait(false) ?? throw Unauthorized;
        var user = await accounts.FindUserAsync(session.User, cancellationToken).ConfigureAwait(false) ?? throw Unauthorized;
        if (user.Active == 0)
        {
            throw new ApiException(ApiErrorCode.Forbidden, "the account is not active");
        }

        var role = await accounts.RoleAsync(session.Team, session.User, cancellationToken).ConfigureAwait(false) ?? throw Unauthorized;
        return new Caller(session.Team, "user", user.Id, user.Email, session.User, role);
    }
}
