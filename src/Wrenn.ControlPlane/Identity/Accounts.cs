using Dapper;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Identity;

internal sealed record UserRecord(string Id, string Email, string Name, string PasswordHash, long IsAdmin, long Active, string DefaultTeam, long CreatedAt);

internal sealed record TeamRecord(string Id, string Name, string Slug, long CreatedAt);

/// <summary>Users, teams and memberships as authentication needs them.</summary>
internal sealed class Accounts(Database database, TimeProvider time)
{
    public async Task<UserRecord?> FindUserAsync(UserId id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<UserRecord>("SELECT * FROM users WHERE id = @Id", new { Id = id.Value }).ConfigureAwait(false);
    }

    /// <summary>The user's current role in the team, or null when not a member.</summary>
    public async Task<string?> RoleAsync(TeamId team, UserId user, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT role FROM memberships WHERE team_id = @Team AND user_id = @User", new { Team = team.Value, User = user.Value }).ConfigureAwait(false);
    }

    public async Task<TeamRecord?> FindTeamAsync(TeamId id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<TeamRecord>("SELECT * FROM teams WHERE id = @Id", new { Id = id.Value }).ConfigureAwait(false);
    }

    public async Task<TeamRecord?> FirstTeamAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryFirstOrDefaultAsync<TeamRecord>("SELECT * FROM teams ORDER BY created_at, id LIMIT 1").ConfigureAwait(false);
    }

    public async Task<TeamRecord> CreateTeamAsync(string name, CancellationToken cancellationToken)
    {
        var team = new TeamRecord(TeamId.New().Value, name, Slugs.For(name), time.GetUtcNow().ToUnixTimeMilliseconds());
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("INSERT INTO teams (id, name, slug, created_at) VALUES (@Id, @Name, @Slug, @CreatedAt)", team).ConfigureAwait(false);
        return team;
    }
}

/// <summary>URL-friendly team slugs: lowercase letters and digits joined by dashes.</summary>
internal static class Slugs
{
    public static string For(string name)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var slug = builder.ToString().Trim('-');
        return slug.Length == 0 ? "team" : slug[..Math.Min(slug.Length, 48)];
    }
}
