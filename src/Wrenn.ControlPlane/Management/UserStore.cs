using Dapper;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Management;

/// <summary>Users: sign-up (with a personal team) and lookups by email.</summary>
internal sealed class UserStore(Database database, TimeProvider time)
{
    public async Task<UserRecord?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<UserRecord>("SELECT * FROM users WHERE email = @Email", new { Email = email }).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the user, its personal team and its owner membership in one transaction; the very
    /// first user, and one created with <paramref name="admin"/>, is a platform admin. Null when
    /// the email is taken. Sign-ups take turns, so that two at once see each other (one first user,
    /// one user per email).
    /// </summary>
    public async Task<(UserRecord User, TeamRecord Team)?> CreateAsync(string email, string name, string passwordHash, bool admin, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var teamName = $"{name}'s Team";
        var team = new TeamRecord(TeamId.New().Value, teamName, Slugs.For(teamName), now);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await database.BeginLockedAsync(connection, "sign-ups", cancellationToken).ConfigureAwait(false);
        if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE email = @Email", new { Email = email }, transaction).ConfigureAwait(false) > 0)
        {
            return null;
        }

        var first = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users", transaction: transaction).ConfigureAwait(false) == 0;
        var user = new UserRecord(UserId.New().Value, email, name, passwordHash, first || admin ? 1 : 0, 1, team.Id, now);
        await connection.ExecuteAsync("INSERT INTO teams (id, name, slug, created_at) VALUES (@Id, @Name, @Slug, @CreatedAt)", team, transaction).ConfigureAwait(false);
        await connection.ExecuteAsync(
            "INSERT INTO users (id, email, name, password_hash, is_admin, active, default_team, created_at) VALUES (@Id, @Email, @Name, @PasswordHash, @IsAdmin, @Active, @DefaultTeam, @CreatedAt)",
            user, transaction).ConfigureAwait(false);
        await connection.ExecuteAsync("INSERT INTO memberships (team_id, user_id, role, joined_at) VALUES (@Team, @User, 'owner', @Now)",
            new { Team = team.Id, User = user.Id, Now = now }, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (user, team);
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users").ConfigureAwait(false) > 0;
    }
}
