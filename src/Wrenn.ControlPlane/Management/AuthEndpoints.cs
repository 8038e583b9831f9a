using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Identity;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Management;

internal sealed class SignupRequest
{
    public string? Email { get; set; }

    public string? Password { get; set; }

    public string? Name { get; set; }
}

internal sealed class ActivateRequest
{
    public string? Token { get; set; }
}

internal sealed class SwitchTeamRequest
{
    public string? TeamId { get; set; }
}

internal sealed record SignupReply(string UserId, string Email, string Name, bool ActivationRequired);

internal sealed record SessionReply(string Token, DateTimeOffset ExpiresAt, string UserId, string TeamId, string Email, string Name, string Role, bool IsAdmin);

internal sealed record MeReply(string UserId, string Email, string Name, bool IsAdmin, string TeamId, string Role);

/// <summary>Sign-up, login, team switching and the current user (spec §7.1).</summary>
internal static class AuthEndpoints
{
    private const string WrongCredentials = "wrong email or password";

    // A valid hash to verify against when the email is unknown, so both failures take as long.
    private static readonly string DummyHash = BCrypt.Net.BCrypt.HashPassword("not a password", 12);

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/auth/signup", SignupAsync).Body<SignupRequest>().Produces<SignupReply>(201);
        routes.MapPost("/v1/auth/login", LoginAsync).Body<SignupRequest>().Produces<SessionReply>();
        routes.MapPost("/v1/auth/activate", ActivateAsync).Body<ActivateRequest>().Produces<SessionReply>();
        routes.MapPost("/v1/auth/switch-team", SwitchTeamAsync).Body<SwitchTeamRequest>().Produces<SessionReply>().WithMetadata(new SessionOnlyAttribute());
        routes.MapGet("/v1/me", MeAsync).Produces<MeReply>().WithMetadata(new SessionOnlyAttribute());
    }

    private static async Task<IResult> SignupAsync(HttpRequest http, UserStore users, AuditLog audit, ControlPlaneOptions options)
    {
        var body = await ApiJson.ReadAsync<SignupRequest>(http).ConfigureAwait(false);
        var (email, problem) = AccountRules.Check(body.Email, body.Password, body.Name);
        Require(problem is null, problem ?? string.Empty);
        if (!options.SignupEnabled && await users.AnyAsync(http.HttpContext.RequestAborted).ConfigureAwait(false))
        {
            throw new ApiException(ApiErrorCode.Forbidden, "sign-up is disabled on this server");
        }

        var created = await users.CreateAsync(email, body.Name!.Trim(), AccountRules.Hash(body.Password!), admin: false, http.HttpContext.RequestAborted).ConfigureAwait(false)
            ?? throw new ApiException(ApiErrorCode.Conflict, "that email is already registered");
        var actor = new Caller(new TeamId(created.Team.Id), "user", created.User.Id, created.User.Email, new UserId(created.User.Id), "owner");
        await audit.RecordAsync(actor, "team", created.Team.Id, "team.create", success: true).ConfigureAwait(false);
        return ApiJson.Reply(new SignupReply(created.User.Id, created.User.Email, created.User.Name, ActivationRequired: false), StatusCodes.Status201Created);
    }

    private static async Task<IResult> LoginAsync(HttpContext http, UserStore users, Memberships memberships, Sessions sessions, LoginLimiter limiter)
    {
        var body = await ApiJson.ReadAsync<SignupRequest>(http.Request).ConfigureAwait(false);
        Require(body.Email is not null && body.Password is not null, "email and password are required");
        var email = body.Email!.Trim().ToLowerInvariant();
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (limiter.RetryAfter(email, ip) is { } wait)
        {
            throw new ApiException(ApiErrorCode.RateLimited, "too many failed logins; try again later") { RetryAfterSeconds = Math.Max(1, wait) };
        }

        var user = await users.FindByEmailAsync(email, http.RequestAborted).ConfigureAwait(false);
        if (!BCrypt.Net.BCrypt.Verify(body.Password, user?.PasswordHash ?? DummyHash) || user is null)
        {
            limiter.Fail(email, ip);
            throw new ApiException(ApiErrorCode.Unauthorized, WrongCredentials);
        }

        limiter.Succeed(email, ip);
        if (user.Active == 0)
        {
            throw new ApiException(ApiErrorCode.Forbidden, "the account is not active");
        }

        var userId = new UserId(user.Id);
        var team = await memberships.TeamAsync(new TeamId(user.DefaultTeam), userId, http.RequestAborted).ConfigureAwait(false)
            ?? (await memberships.TeamsOfAsync(userId, http.RequestAborted).ConfigureAwait(false) is [var first, ..] ? first : null)
            ?? throw new ApiException(ApiErrorCode.Forbidden, "the account belongs to no team");
        return ApiJson.Reply(await SessionAsync(sessions, user, team, http.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>Accounts are active from sign-up (no email delivery), so no activation token exists.</summary>
    private static async Task<IResult> ActivateAsync(HttpRequest http)
    {
        _ = await ApiJson.ReadAsync<ActivateRequest>(http).ConfigureAwait(false);
        throw new ApiException(ApiErrorCode.Unauthorized, "unknown or expired activation token");
    }

    private static async Task<IResult> SwitchTeamAsync(Caller caller, HttpRequest http, Accounts accounts, Memberships memberships, Sessions sessions)
    {
        var body = await ApiJson.ReadAsync<SwitchTeamRequest>(http).ConfigureAwait(false);
        Require(body.TeamId is not null, "team_id is required");
        Require(TeamId.TryParse(body.TeamId, out var teamId), "team_id is not a team id");
        var team = await memberships.TeamAsync(teamId, caller.User!.Value, http.HttpContext.RequestAborted).ConfigureAwait(false) ?? throw NotFound("team");
        var user = (await accounts.FindUserAsync(caller.User!.Value, http.HttpContext.RequestAborted).ConfigureAwait(false))!;
        return ApiJson.Reply(await SessionAsync(sessions, user, team, http.HttpContext.RequestAborted).ConfigureAwait(false));
    }

    private static async Task<IResult> MeAsync(Caller caller, HttpContext http, Accounts accounts)
    {
        var user = (await accounts.FindUserAsync(caller.User!.Value, http.RequestAborted).ConfigureAwait(false))!;
        return ApiJson.Reply(new MeReply(user.Id, user.Email, user.Name, user.IsAdmin != 0, caller.Team.Value, caller.Role!));
    }

    private static async Task<SessionReply> SessionAsync(Sessions sessions, UserRecord user, MemberTeam team, CancellationToken cancellationToken)
    {
        var (token, expires) = await sessions.IssueAsync(new UserId(user.Id), new TeamId(team.Id), cancellationToken).ConfigureAwait(false);
        return new SessionReply(token, expires, user.Id, team.Id, user.Email, user.Name, team.Role, user.IsAdmin != 0);
    }

}
