namespace Wrenn.Client;

/// <summary>
/// Teams and their members (<c>/v1/teams</c>, session only). A team id may name any team the caller belongs to,
/// without switching to it.
/// </summary>
public sealed class TeamsClient
{
    private readonly ApiConnection _api;

    internal TeamsClient(ApiConnection api) => _api = api;

    /// <summary>The teams the caller belongs to, with the caller's role in each.</summary>
    public Task<IReadOnlyList<Team>> ListAsync(CancellationToken cancellationToken = default)
        => _api.GetAsync("v1/teams", WrennJson.Default.IReadOnlyListTeam, cancellationToken);

    /// <summary>Creates a team (1–128 characters) owned by the caller.</summary>
    public Task<Team> CreateAsync(string name, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, "v1/teams", NameBody(name), WrennJson.Default.Team, cancellationToken);

    /// <summary>A team and its members.</summary>
    public Task<TeamDetails> GetAsync(TeamId team, CancellationToken cancellationToken = default)
        => _api.GetAsync(Path(team), WrennJson.Default.TeamDetails, cancellationToken);

    /// <summary>Renames a team (owner or admin).</summary>
    public Task<Team> RenameAsync(TeamId team, string name, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Patch, Path(team), NameBody(name), WrennJson.Default.Team, cancellationToken);

    /// <summary>Deletes a team (owner only): its capsules stop, its templates and API keys go.</summary>
    public Task DeleteAsync(TeamId team, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Delete, Path(team), null, cancellationToken);

    /// <summary>A team's members.</summary>
    public Task<IReadOnlyList<TeamMember>> ListMembersAsync(TeamId team, CancellationToken cancellationToken = default)
        => _api.GetAsync(Path(team) + "/members", WrennJson.Default.IReadOnlyListTeamMember, cancellationToken);

    /// <summary>Adds an existing user to a team (owner or admin).</summary>
    /// <exception cref="NotFoundException">No user has <paramref name="email"/>.</exception>
    /// <exception cref="ConflictException">The user is a member already.</exception>
    public Task<TeamMember> AddMemberAsync(TeamId team, string email, TeamRole role = TeamRole.Member, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Path(team) + "/members", ApiConnection.Json(new MemberBody(email, role), WrennJson.Default.MemberBody),
            WrennJson.Default.TeamMember, cancellationToken);

    /// <summary>Makes a member an admin or a plain member (owner or admin); it applies from their next request.</summary>
    /// <exception cref="ForbiddenException">The member is the owner.</exception>
    public Task<TeamMember> ChangeMemberRoleAsync(TeamId team, UserId member, TeamRole role, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Patch, MemberPath(team, member), ApiConnection.Json(new MemberBody(null, role), WrennJson.Default.MemberBody),
            WrennJson.Default.TeamMember, cancellationToken);

    /// <summary>Removes a member (owner or admin).</summary>
    /// <exception cref="ForbiddenException">The member is the owner.</exception>
    public Task RemoveMemberAsync(TeamId team, UserId member, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Delete, MemberPath(team, member), null, cancellationToken);

    /// <summary>Leaves a team.</summary>
    /// <exception cref="ForbiddenException">The caller is its owner.</exception>
    public Task LeaveAsync(TeamId team, CancellationToken cancellationToken = default)
        => _api.SendAsync(HttpMethod.Post, Path(team) + "/leave", null, cancellationToken);

    private static System.Net.Http.Json.JsonContent NameBody(string name) => ApiConnection.Json(new TeamNameBody(name), WrennJson.Default.TeamNameBody);

    private static string Path(TeamId team) => "v1/teams/" + team.Value;

    private static string MemberPath(TeamId team, UserId member) => $"{Path(team)}/members/{member.Value}";
}
