using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Builds;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Snapshots;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Management;

internal sealed class TeamRequest
{
    public string? Name { get; set; }
}

internal sealed class MemberRequest
{
    public string? Email { get; set; }

    public string? Role { get; set; }
}

internal sealed record TeamView(string Id, string Name, string Slug, DateTimeOffset CreatedAt, string Role)
{
    public static TeamView Of(MemberTeam team) => new(team.Id, team.Name, team.Slug, DateTimeOffset.FromUnixTimeMilliseconds(team.CreatedAt), team.Role);
}

internal sealed record MemberView(string UserId, string Email, string Name, string Role, DateTimeOffset JoinedAt)
{
    public static MemberView Of(MemberRecord member) => new(member.UserId, member.Email, member.Name, member.Role, DateTimeOffset.FromUnixTimeMilliseconds(member.JoinedAt));
}

internal sealed record TeamDetail(TeamView Team, IReadOnlyList<MemberView> Members);

/// <summary>
/// Teams and members (spec §7.2). <c>{id}</c> may be any team the caller belongs to; the caller's
/// role there is read fresh from the database on every request.
/// </summary>
internal static class TeamEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        var teams = routes.MapGroup("/v1/teams").WithMetadata(new SessionOnlyAttribute());
        teams.MapGet("", ListAsync).Produces<TeamView[]>();
        teams.MapPost("", CreateAsync).Body<TeamRequest>().Produces<TeamView>(201);
        teams.MapGet("/{id}", GetAsync).Produces<TeamDetail>();
        teams.MapPatch("/{id}", RenameAsync).Body<TeamRequest>().Produces<TeamView>();
        teams.MapDelete("/{id}", DeleteAsync).Produces(204);
        teams.MapGet("/{id}/members", MembersAsync).Produces<MemberView[]>();
        teams.MapPost("/{id}/members", AddMemberAsync).Body<MemberRequest>().Produces<MemberView>(201);
        teams.MapPatch("/{id}/members/{userId}", ChangeRoleAsync).Body<MemberRequest>().Produces<MemberView>();
        teams.MapDelete("/{id}/members/{userId}", RemoveMemberAsync).Produces(204);
        teams.MapPost("/{id}/leave", LeaveAsync).Produces(204);
    }

    private static async Task<IResult> ListAsync(Caller caller, HttpContext http, Memberships memberships) =>
        ApiJson.Reply((await memberships.TeamsOfAsync(caller.User!.Value, http.RequestAborted).ConfigureAwait(false)).Select(TeamView.Of).ToList());

    private static async Task<IResult> CreateAsync(Caller caller, HttpRequest http, Memberships memberships, AuditLog audit)
    {
        var name = RequireName(await ApiJson.ReadAsync<TeamRequest>(http).ConfigureAwait(false));
        var team = await memberships.CreateTeamAsync(name, caller.User!.Value, http.HttpContext.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(caller with { Team = new TeamId(team.Id), Role = "owner" }, "team", team.Id, "team.create", success: true).ConfigureAwait(false);
        return ApiJson.Reply(TeamView.Of(team), StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(Caller caller, string id, HttpContext http, Memberships memberships)
    {
        var team = await TeamOfAsync(caller, id, memberships, http).ConfigureAwait(false);
        var members = await memberships.MembersAsync(new TeamId(team.Id), http.RequestAborted).ConfigureAwait(false);
        return ApiJson.Reply(new TeamDetail(TeamView.Of(team), members.Select(MemberView.Of).ToList()));
    }

    private static async Task<IResult> RenameAsync(Caller caller, string id, HttpContext http, Memberships memberships, AuditLog audit)
    {
        var team = await TeamOfAsync(caller, id, memberships, http, "owner", "admin").ConfigureAwait(false);
        var name = RequireName(await ApiJson.ReadAsync<TeamRequest>(http.Request).ConfigureAwait(false));
        await memberships.RenameAsync(new TeamId(team.Id), name, http.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(caller with { Team = new TeamId(team.Id) }, "team", team.Id, "team.update", success: true).ConfigureAwait(false);
        return ApiJson.Reply(TeamView.Of((await memberships.TeamAsync(new TeamId(team.Id), caller.User!.Value, http.RequestAborted).ConfigureAwait(false))!));
    }

    /// <summary>Deleting a team cancels its builds, stops its capsules and deletes its templates, keys and memberships.</summary>
    private static async Task<IResult> DeleteAsync(
        Caller caller, string id, HttpContext http, Memberships memberships, CapsuleStore capsules, CapsuleLifecycle lifecycle, TemplateCatalog templates,
        TemplateCollector collector, TemplateBuilds builds, ApiKeys keys, AuditLog audit)
    {
        var team = await TeamOfAsync(caller, id, memberships, http, "owner").ConfigureAwait(false);
        var teamId = new TeamId(team.Id);
        var actor = caller with { Team = teamId };
        await builds.ForgetTeamAsync(teamId, http.RequestAborted).ConfigureAwait(false);
        foreach (var capsule in await capsules.ListAsync(teamId, Statuses.All.Where(status => status != Statuses.Stopped).ToList(), null, 100_000, http.RequestAborted)
            .ConfigureAwait(false))
        {
            await lifecycle.DeleteAsync(actor, capsule.Id, "team deleted").ConfigureAwait(false);
        }

        await templates.DeleteTeamAsync(teamId, http.RequestAborted).ConfigureAwait(false);
        await collector.CollectAsync(CancellationToken.None).ConfigureAwait(false);
        await memberships.DeleteTeamAsync(teamId, http.RequestAborted).ConfigureAwait(false);
        keys.Forget(key => key.TeamId == team.Id);
        await audit.RecordAsync(actor, "team", team.Id, "team.delete", success: true).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> MembersAsync(Caller caller, string id, HttpContext http, Memberships memberships)
    {
        var team = await TeamOfAsync(caller, id, memberships, http).ConfigureAwait(false);
        return ApiJson.Reply((await memberships.MembersAsync(new TeamId(team.Id), http.RequestAborted).ConfigureAwait(false)).Select(MemberView.Of).ToList());
    }

    private static async Task<IResult> AddMemberAsync(Caller caller, string id, HttpContext http, Memberships memberships, UserStore users, AuditLog audit)
    {
        var team = await TeamOfAsync(caller, id, memberships, http, "owner", "admin").ConfigureAwait(false);
        var body = await ApiJson.ReadAsync<MemberRequest>(http.Request).ConfigureAwait(false);
        Require(body.Email is not null, "email is required");
        var role = body.Role ?? "member";
        Require(role is "member" or "admin", "role must be member or admin");
        var user = await users.FindByEmailAsync(body.Email!.Trim().ToLowerInvariant(), http.RequestAborted).ConfigureAwait(false) ?? throw NotFound("user");
        var teamId = new TeamId(team.Id);
        if (!await memberships.AddAsync(teamId, new UserId(user.Id), role, http.RequestAborted).ConfigureAwait(false))
        {
            throw new ApiException(ApiErrorCode.Conflict, "already a member of this team");
        }

        await audit.RecordAsync(caller with { Team = teamId }, "member", user.Id, "member.add", success: true,
            new Dictionary<string, string> { ["role"] = role }).ConfigureAwait(false);
        return ApiJson.Reply(MemberView.Of((await memberships.MemberAsync(teamId, new UserId(user.Id), http.RequestAborted).ConfigureAwait(false))!), StatusCodes.Status201Created);
    }

    private static async Task<IResult> ChangeRoleAsync(Caller caller, string id, string userId, HttpContext http, Memberships memberships, AuditLog audit)
    {
        var team = await TeamOfAsync(caller, id, memberships, http, "owner", "admin").ConfigureAwait(false);
        var body = await ApiJson.ReadAsync<MemberRequest>(http.Request).ConfigureAwait(false);
        Require(body.Role is "member" or "admin", "role must be member or admin");
        var (teamId, member) = await MemberOfAsync(team, userId, memberships, http).ConfigureAwait(false);
        if (member.Role == "owner")
        {
            throw new ApiException(ApiErrorCode.Forbidden, "the owner's role cannot change");
        }

        await memberships.SetRoleAsync(teamId, new UserId(member.UserId), body.Role!, http.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(caller with { Team = teamId }, "member", member.UserId, "member.role_change", success: true,
            new Dictionary<string, string> { ["role"] = body.Role! }).ConfigureAwait(false);
        return ApiJson.Reply(MemberView.Of(member with { Role = body.Role! }));
    }

    private static async Task<IResult> RemoveMemberAsync(Caller caller, string id, string userId, HttpContext http, Memberships memberships, AuditLog audit)
    {
        var team = await TeamOfAsync(caller, id, memberships, http, "owner", "admin").ConfigureAwait(false);
        var (teamId, member) = await MemberOfAsync(team, userId, memberships, http).ConfigureAwait(false);
        if (member.Role == "owner")
        {
            throw new ApiException(ApiErrorCode.Forbidden, "the owner cannot be removed");
        }

        await memberships.RemoveAsync(teamId, new UserId(member.UserId), http.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(caller with { Team = teamId }, "member", member.UserId, "member.remove", success: true).ConfigureAwait(false);
        return Results.NoContent();
    }

    private static async Task<IResult> LeaveAsync(Caller caller, string id, HttpContext http, Memberships memberships, AuditLog audit)
    {
        var team = await TeamOfAsync(caller, id, memberships, http).ConfigureAwait(false);
        if (team.Role == "owner")
        {
            throw new ApiException(ApiErrorCode.Forbidden, "the owner cannot leave the team");
        }

        var teamId = new TeamId(team.Id);
        await memberships.RemoveAsync(teamId, caller.User!.Value, http.RequestAborted).ConfigureAwait(false);
        await audit.RecordAsync(caller with { Team = teamId }, "member", caller.User!.Value.Value, "member.remove", success: true).ConfigureAwait(false);
        return Results.NoContent();
    }

    /// <summary>The team if the caller is a member (else 404) with one of <paramref name="roles"/> (else 403; any role when none given).</summary>
    private static async Task<MemberTeam> TeamOfAsync(Caller caller, string id, Memberships memberships, HttpContext http, params string[] roles)
    {
        var team = TeamId.TryParse(id, out var teamId)
            ? await memberships.TeamAsync(teamId, caller.User!.Value, http.RequestAborted).ConfigureAwait(false)
            : null;
        if (team is null)
        {
            throw NotFound("team");
        }

        if (roles.Length > 0 && !roles.Contains(team.Role))
        {
            throw new ApiException(ApiErrorCode.Forbidden, "your role in this team does not allow this");
        }

        return team;
    }

    private static async Task<(TeamId Team, MemberRecord Member)> MemberOfAsync(MemberTeam team, string userId, Memberships memberships, HttpContext http)
    {
        var teamId = new TeamId(team.Id);
        var member = UserId.TryParse(userId, out var user) ? await memberships.MemberAsync(teamId, user, http.RequestAborted).ConfigureAwait(false) : null;
        return (teamId, member ?? throw NotFound("member"));
    }

    private static string RequireName(TeamRequest body)
    {
        var name = body.Name?.Trim() ?? string.Empty;
        Require(name.Length is >= 1 and <= 128, "name must be 1 to 128 characters");
        return name;
    }
}
