using Dapper;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Management;

/// <summary>A team as one of its members sees it.</summary>
internal sealed record MemberTeam(string Id, string Name, string Slug, long CreatedAt, string Role);

/// <summary>A member of a team.</summary>
internal sealed record MemberRecord(string UserId, string Email, string Name, string Role, long JoinedAt);

/// <summary>Teams and their members.</summary>
internal sealed class Memberships(Database database, TimeProvider time)
{
    private const string TeamColumns = "t.id, t.name, t.slug, t.created_at, m.role";

    public async Task<IReadOnlyList<MemberTeam>> TeamsOfAsync(UserId user, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<MemberTeam>(
            $"SELECT {TeamColumns} FROM teams t JOIN memberships m ON m.team_id = t.id WHERE m.user_id = @User ORDER BY t.created_at, t.id",
            new { User = user.Value }).ConfigureAwait(false)).AsList();
    }

    /// <summary>The team with the user's role in it; null when the user is not a member (or there is no such team).</summary>
    public async Task<MemberTeam?> TeamAsync(TeamId team, UserId user, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<MemberTeam>(
            $"SELECT {TeamColumns} FROM teams t JOIN memberships m ON m.team_id = t.id WHERE t.id = @Team AND m.user_id = @User",
            new { Team = team.Value, User = user.Value }).ConfigureAwait(false);
    }

    public async Task<MemberTeam> CreateTeamAsync(string name, UserId owner, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var team = new TeamRecord(TeamId.New().Value, name, Slugs.For(name), now);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("INSERT INTO teams (id, name, slug, created_at) VALUES (@Id, @Name, @Slug, @CreatedAt)", team, transaction).ConfigureAwait(false);
        await connection.ExecuteAsync("INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES (@Team, @User, 'owner', @Now)",
            new { Team = team.Id, User = owner.Value, Now = now }, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new MemberTeam(team.Id, team.Name, team.Slug, team.CreatedAt, "owner");
    }

    public async Task RenameAsync(TeamId team, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE teams SET name = @Name, slug = @Slug WHERE id = @Id", new { Id = team.Value, Name = name, Slug = Slugs.For(name) })
            .ConfigureAwait(false);
    }

    /// <summary>Deletes the team; its memberships and API keys go with it (foreign keys cascade).</summary>
    public async Task DeleteTeamAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM teams WHERE id = @Id", new { Id = team.Value }).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<MemberRecord>> MembersAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<MemberRecord>(
            "SELECT u.id AS user_id, u.email, u.name, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.team_id = @Team ORDER BY m.joined_at, u.id",
            new { Team = team.Value }).ConfigureAwait(false)).AsList();
    }

    public async Task<MemberRecord?> MemberAsync(TeamId team, UserId user, CancellationToken cancellationToken) =>
        (await MembersAsync(team, cancellationToken).ConfigureAwait(false)).FirstOrDefault(member => member.UserId == user.Value);

    /// <summary>Adds a member; false when already one.</summary>
    public async Task<bool> AddAsync(TeamId team, UserId user, string role, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            "INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES (@Team, @User, @Role, @Now) ON CONFLICT DO NOTHING",
            new { Team = team.Value, User = user.Value, Role = role, Now = time.GetUtcNow().ToUnixTimeMilliseconds() }).ConfigureAwait(false) == 1;
    }

    public async Task SetRoleAsync(TeamId team, UserId user, string role, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE memberships SET role = @Role WHERE team_id = @Team AND user_id = @User",
            new { Team = team.Value, User = user.Value, Role = role }).ConfigureAwait(false);
    }

    public async Task RemoveAsync(TeamId team, UserId user, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM memberships WHERE team_id = @Team AND user_id = @User", new { Team = team.Value, User = user.Value })
            .ConfigureAwait(false);
    }
}
