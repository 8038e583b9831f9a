using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Identity;

/// <summary>
/// User session tokens: HS256 JWTs with <c>sub</c>, <c>team_id</c>, <c>iat</c>, <c>exp</c> (spec
/// §2.1), signed with a 32-byte secret kept in the database so that every instance shares it.
/// </summary>
internal sealed class Sessions(Database database, TimeProvider time, ControlPlaneOptions options)
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private SymmetricSecurityKey? _key;

    public async Task<(string Token, DateTimeOffset ExpiresAt)> IssueAsync(UserId user, TeamId team, CancellationToken cancellationToken)
    {
        var key = await KeyAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var expires = now + options.SessionLifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["sub"] = user.Value,
                ["team_id"] = team.Value,
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = expires.ToUnixTimeSeconds(),
            },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    /// <summary>The user and team of a valid, unexpired token; null otherwise.</summary>
    public async Task<(UserId User, TeamId Team)?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var key = await KeyAsync(cancellationToken).ConfigureAwait(false);
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (_, expires, _, _) => expires is { } e && e > time.GetUtcNow().UtcDateTime,
        }).ConfigureAwait(false);
        if (!result.IsValid || result.ClaimsIdentity is not ClaimsIdentity identity)
        {
            return null;
        }

        return UserId.TryParse(identity.FindFirst("sub")?.Value, out var user) && TeamId.TryParse(identity.FindFirst("team_id")?.Value, out var team)
            ? (user, team)
            : null;
    }

    private async Task<SymmetricSecurityKey> KeyAsync(CancellationToken cancellationToken)
    {
        if (_key is not null)
        {
            return _key;
        }

        _key = new SymmetricSecurityKey(await SharedSecrets.GetAsync(database, "session_secret", cancellationToken).ConfigureAwait(false));
        return _key;
    }
}
