using Dapper;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// Capsule rows. Every status change is one compare-and-set statement on the previous status, so
/// a transition that lost a race changes nothing and says so.
/// </summary>
internal sealed class CapsuleStore(Database database, TimeProvider time)
{
    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task InsertAsync(CapsuleRecord record, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            """
            INSERT INTO capsules (id, team_id, status, status_reason, template, vcpus, memory_mb, timeout_sec, created_at,
                                  started_at, last_active_at, last_updated, metadata, idempotency, request_hash)
            VALUES (@Id, @TeamId, @Status, @StatusReason, @Template, @Vcpus, @MemoryMb, @TimeoutSec, @CreatedAt,
                    @StartedAt, @LastActiveAt, @LastUpdated, @Metadata, @Idempotency, @RequestHash)
            """, record).ConfigureAwait(false);
    }

    /// <summary>The team's capsule; another team's capsule is as absent as an unknown one.</summary>
    public async Task<CapsuleRecord?> GetAsync(TeamId team, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<CapsuleRecord>(
            "SELECT * FROM capsules WHERE id = @Id AND team_id = @Team", new { Id = id, Team = team.Value }).ConfigureAwait(false);
    }

    public async Task<CapsuleRecord?> GetAnyAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<CapsuleRecord>("SELECT * FROM capsules WHERE id = @Id", new { Id = id }).ConfigureAwait(false);
    }

    public async Task<CapsuleRecord?> FindByIdempotencyAsync(TeamId team, string key, long since, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<CapsuleRecord>(
            "SELECT * FROM capsules WHERE team_id = @Team AND idempotency = @Key AND created_at >= @Since",
            new { Team = team.Value, Key = key, Since = since }).ConfigureAwait(false);
    }

    /// <summary>Newest first (ties by id descending), after the <paramref name="after"/> cursor position.</summary>
    public async Task<IReadOnlyList<CapsuleRecord>> ListAsync(TeamId team, IReadOnlyCollection<string> statuses, (long CreatedAt, string Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<CapsuleRecord>(
            """
            SELECT * FROM capsules
            WHERE team_id = @Team AND status IN @Statuses
              AND (@AfterId IS NULL OR created_at < @AfterCreated OR (created_at = @AfterCreated AND id < @AfterId))
            ORDER BY created_at DESC, id DESC LIMIT @Limit
            """,
            new { Team = team.Value, Statuses = statuses, AfterCreated = after?.CreatedAt, AfterId = after?.Id, Limit = limit }).ConfigureAwait(false);
        return rows.AsList();
    }

    /// <summary>Every capsule in one of <paramref name="statuses"/>, any team (reconciliation, auto-pause, metrics).</summary>
    public async Task<IReadOnlyList<CapsuleRecord>> InStatusAsync(IReadOnlyCollection<string> statuses, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<CapsuleRecord>("SELECT * FROM capsules WHERE status IN @Statuses", new { Statuses = statuses }).ConfigureAwait(false)).AsList();
    }

    public async Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Status, long Count)>("SELECT status, COUNT(*) FROM capsules GROUP BY status").ConfigureAwait(false);
        return rows.ToDictionary(row => row.Status, row => row.Count, StringComparer.Ordinal);
    }

    /// <summary>
    /// Moves the capsule from <paramref name="from"/> to <paramref name="to"/> if it is still in
    /// <paramref name="from"/>; returns whether it did.
    /// </summary>
    public async Task<bool> TransitionAsync(string id, string from, string to, string? reason, CancellationToken cancellationToken, bool started = false, string? metadata = null)
    {
        var now = Now;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE capsules SET status = @To, status_reason = @Reason, last_updated = @Now,
              started_at = CASE WHEN @Started THEN @Now ELSE started_at END,
              last_active_at = CASE WHEN @Started THEN @Now ELSE last_active_at END,
              metadata = COALESCE(@Metadata, metadata)
            WHERE id = @Id AND status = @From
            """,
            new { Id = id, From = from, To = to, Reason = reason, Now = now, Started = started, Metadata = metadata }).ConfigureAwait(false) == 1;
    }

    public async Task SetLastActiveAsync(string id, long lastActive, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            "UPDATE capsules SET last_active_at = @At WHERE id = @Id AND (last_active_at IS NULL OR last_active_at < @At)",
            new { Id = id, At = lastActive }).ConfigureAwait(false);
    }

    /// <summary>Forgets stopped and failed capsules older than the retention period.</summary>
    public async Task<int> PurgeAsync(long before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            "DELETE FROM capsules WHERE status IN ('stopped', 'error') AND last_updated < @Before", new { Before = before }).ConfigureAwait(false);
    }
}
