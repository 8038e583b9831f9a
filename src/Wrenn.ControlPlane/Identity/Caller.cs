namespace Wrenn.ControlPlane.Identity;

/// <summary>Who made a request and for which team (spec §2). The role is read fresh per request.</summary>
/// <param name="Team">The team the credential acts for.</param>
/// <param name="ActorType"><c>user</c>, <c>api_key</c> or <c>system</c>, as in the audit log.</param>
/// <param name="ActorId">The user or key id.</param>
/// <param name="ActorName">The user's email or the key's name.</param>
/// <param name="User">The session's user; null for API keys and the system.</param>
/// <param name="Role">The user's current role in <paramref name="Team"/>; null for API keys.</param>
internal sealed record Caller(TeamId Team, string ActorType, string? ActorId, string? ActorName, UserId? User, string? Role)
{
    public static Caller System(TeamId team) => new(team, "system", null, "system", null, null);

    /// <summary>
    /// Minimal API binding: authenticates the request with the credentials its endpoint accepts
    /// (<see cref="SessionOnlyAttribute"/> or, by default, key or session).
    /// </summary>
    public static async ValueTask<Caller?> BindAsync(HttpContext context)
    {
        var kinds = context.GetEndpoint()?.Metadata.GetMetadata<SessionOnlyAttribute>() is null ? CredentialKinds.KeyOrSession : CredentialKinds.SessionOnly;
        return await context.RequestServices.GetRequiredService<Authenticator>().AuthenticateAsync(context, kinds).ConfigureAwait(false);
    }
}

/// <summary>Marks endpoints that accept only a Bearer session (spec §2.1).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
internal sealed class SessionOnlyAttribute : Attribute;
