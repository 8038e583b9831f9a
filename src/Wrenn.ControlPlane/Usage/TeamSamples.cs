using Dapper;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Usage;

internal sealed record TeamSample(long At, long Running, long Vcpus, long MemoryMb);

/// <summary>The stored 10 s samples of a team's reserved capacity.</summary>
internal sealed class TeamSamples(Database database)
{
    public async Task<IReadOnlyList<TeamSample>> SinceAsync(TeamId team, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<TeamSample>(
            "SELECT at, running, vcpus, memory_mb FROM team_samples WHERE team_id = @Team AND at >= @From AND at < @To ORDER BY at",
            new { Team = team.Value, From = fromMs, To = toMs }).ConfigureAwait(false);
        return rows.AsList();
    }

    /// <summary>Forgets samples older than the longest window anything reads (92 days of usage).</summary>
    public async Task PurgeAsync(long beforeMs, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM team_samples WHERE at < @Before", new { Before = beforeMs }).ConfigureAwait(false);
    }
}
