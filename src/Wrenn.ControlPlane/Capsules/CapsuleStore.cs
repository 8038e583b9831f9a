using System.Data.Common;
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
    /// <summary>How long a create's Idempotency-Key is remembered (spec §4.1).</summary>
    public static readonly TimeSpan IdempotencyWindow = TimeSpan.FromHours(24);

    private readonly CapsuleMoves _moves = new();

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A task that completes at the capsule's next transition made through this store (see <see cref="CapsuleMoves"/>).</summary>
    public Task NextMove(string id) => _moves.Next(id);

    /// <summary>Ends a wait on <see cref="NextMove"/>.</summary>
    public void ReleaseMove(string id, Task next) => _moves.Release(id, next);

    /// <summary>
    /// Records a pending capsule unless the team's active capsules (pending, starting, running)
    /// would then exceed <paramref name="quotas"/>: the count and the insert hold the team's quota
    /// lock, so concurrent creates cannot both slip under a limit. A repeated Idempotency-Key is
    /// reported, not inserted. The capsule goes on the host placement chose (none: the in-process
    /// host, see <see cref="Hosts.CapsuleHosts"/>).
    /// </summary>
    /// <param name="record">The pending capsule.</param>
    /// <param name="quotas">The team's limits.</param>
    /// <param name="keysSince">An Idempotency-Key used before this time may be used again.</param>
    /// <param name="room">The room its host offers: checked, with the host's lock held, against the capsules there.</param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    public async Task<InsertOutcome> InsertAsync(CapsuleRecord record, TeamQuotas quotas, long keysSince, HostRoom room, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var transaction = await database.BeginLockedAsync(connection, [QuotaLock(record.TeamId), HostLock(room.HostId)], cancellationToken)
                .ConfigureAwait(false);
            if (await connection.ExecuteScalarAsync<long>($"SELECT CASE WHEN {WithinRoom} THEN 1 ELSE 0 END", RoomParameters(record, room), transaction)
                .ConfigureAwait(false) == 0)
            {
                return InsertOutcome.NoRoom;
            }

            if (record.Idempotency is not null)
            {
                await connection.ExecuteAsync(
                    "UPDATE capsules SET idempotency = NULL WHERE team_id = @TeamId AND idempotency = @Idempotency AND created_at < @Since",
                    new { record.TeamId, record.Idempotency, Since = keysSince }, transaction).ConfigureAwait(false);
            }

            var inserted = await connection.ExecuteAsync(
                $"""
                INSERT INTO capsules (id, team_id, status, status_reason, template, vcpus, memory_mb, timeout_sec, created_at,
                                      started_at, last_active_at, last_updated, metadata, idempotency, request_hash, auto_resume, host_id,
                                      expires_at, expiry_ttl_sec, expiry_action, guest_env, guest_user, user_metadata)
                SELECT @Id, @TeamId, @Status, @StatusReason, @Template, @Vcpus, @MemoryMb, @TimeoutSec, @CreatedAt,
                       @StartedAt, @LastActiveAt, @LastUpdated, @Metadata, @Idempotency, @RequestHash, @AutoResume, @HostId,
                       @ExpiresAt, @ExpiryTtlSec, @ExpiryAction, @GuestEnv, @GuestUser, @UserMetadata
                WHERE {WithinQuota}
                """, QuotaParameters(record, quotas), transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return inserted == 1 ? InsertOutcome.Inserted : InsertOutcome.QuotaExceeded;
        }
        catch (DbException exception) when (database.IsUniqueViolation(exception) && record.Idempotency is not null)
        {
            // The idempotency index (the id is fresh): a concurrent create with the same key won.
            return InsertOutcome.DuplicateIdempotency;
        }
    }

    /// <summary>
    /// paused → starting, unless the capsule would take its team's active capsules over
    /// <paramref name="quotas"/> or not fit its host's <paramref name="room"/> (where its snapshot is).
    /// </summary>
    public async Task<ResumeOutcome> StartResumeAsync(CapsuleRecord record, TeamQuotas quotas, HostRoom room, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        int started;
        await using (var transaction = await database.BeginLockedAsync(connection, [QuotaLock(record.TeamId), HostLock(room.HostId)], cancellationToken)
            .ConfigureAwait(false))
        {
            if (await connection.ExecuteScalarAsync<long>($"SELECT CASE WHEN {WithinRoom} THEN 1 ELSE 0 END", RoomParameters(record, room), transaction)
                .ConfigureAwait(false) == 0)
            {
                return ResumeOutcome.NoRoom;
            }

            // On the host given room: another one than it paused on when its snapshot travels.
            var parameters = new DynamicParameters(QuotaParameters(record, quotas));
            parameters.Add("Host", room.HostId);
            started = await connection.ExecuteAsync(
                // (A capsule placed before hosts were recorded has the room '' and stays where it is.)
                $"""
                UPDATE capsules SET status = 'starting', status_reason = NULL, last_updated = @Now, host_id = CASE WHEN @Host = '' THEN host_id ELSE @Host END
                WHERE id = @Id AND status = 'paused' AND {WithinQuota}
                """,
                parameters, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (started == 1)
        {
            return ResumeOutcome.Started;
        }

        var status = await connection.ExecuteScalarAsync<string?>("SELECT status FROM capsules WHERE id = @Id", new { record.Id }).ConfigureAwait(false);
        return status == Statuses.Paused ? ResumeOutcome.QuotaExceeded : ResumeOutcome.WrongState;
    }

    /// <summary>The lock a team's quota check holds: what counts its active capsules and adds one runs alone.</summary>
    private static string QuotaLock(string team) => "capsule quota of " + team;

    /// <summary>Disk the team's paused capsules and templates take (its snapshot quota).</summary>
    public async Task<long> StoredBytesAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(
            """
            SELECT (SELECT COALESCE(SUM(stored_bytes), 0) FROM capsules WHERE team_id = @Team AND status = 'paused')
                 + (SELECT COALESCE(SUM(size_bytes), 0) FROM templates WHERE team_id = @Team)
            """, new { Team = team.Value }).ConfigureAwait(false);
    }

    /// <summary>Places the capsule on a host again (a resume elsewhere that failed: its snapshot stays where it was).</summary>
    public async Task SetHostAsync(string id, string? hostId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE capsules SET host_id = @Host WHERE id = @Id", new { Id = id, Host = hostId }).ConfigureAwait(false);
    }

    /// <summary>The snapshot-store manifests capsules may still resume from: the stored pause of each paused, missing or resuming capsule.</summary>
    public async Task<IReadOnlyList<(string Id, long Generation)>> StoredSnapshotsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<(string, long)>(
            "SELECT id, stored_generation FROM capsules WHERE stored_generation IS NOT NULL AND status IN ('paused', 'missing', 'starting')").ConfigureAwait(false)).AsList();
    }

    /// <summary>A pause committed: its generation is the capsule's latest snapshot (not in the store yet).</summary>
    public async Task SetSnapshotGenerationAsync(string id, int generation, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE capsules SET snapshot_generation = @Generation WHERE id = @Id", new { Id = id, Generation = (long)generation })
            .ConfigureAwait(false);
    }

    /// <summary>
    /// The host holding the capsule put this pause generation in the snapshot store. Only from the
    /// host that holds it (a host that lost the capsule to another one may still report an older
    /// upload), and never older than the latest pause recorded; the report may come before the pause
    /// itself is recorded (a fast upload), which then finds them equal.
    /// </summary>
    public async Task<bool> SetStoredGenerationAsync(string id, string hostId, int generation, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new { Id = id, Host = hostId, Generation = (long)generation, Now = now };
        var stored = await connection.ExecuteAsync(
            """
            UPDATE capsules SET stored_generation = @Generation
            WHERE id = @Id AND host_id = @Host AND status IN ('running', 'paused', 'missing')
              AND (snapshot_generation IS NULL OR snapshot_generation <= @Generation)
            """, parameters).ConfigureAwait(false) == 1;
        // Its host went silent meanwhile: no longer missing, since any host can resume it now.
        await connection.ExecuteAsync(
            """
            UPDATE capsules SET status = 'paused', missing_from = NULL, status_reason = NULL, last_updated = @Now
            WHERE id = @Id AND status = 'missing' AND missing_from = 'paused' AND stored_generation = snapshot_generation
            """, parameters).ConfigureAwait(false);
        return stored;
    }

    public async Task SetStoredBytesAsync(string id, long bytes, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE capsules SET stored_bytes = @Bytes WHERE id = @Id", new { Id = id, Bytes = bytes }).ConfigureAwait(false);
    }

    // The team's active capsules plus @Vcpus/@MemoryMb of one more stay within the limits (0: none).
    private const string WithinQuota =
        """
        NOT EXISTS (SELECT 1 FROM (SELECT COUNT(*) AS n, COALESCE(SUM(vcpus), 0) AS v, COALESCE(SUM(memory_mb), 0) AS m
                                   FROM capsules WHERE team_id = @TeamId AND status IN ('pending', 'starting', 'running')) AS active
                    WHERE (@MaxCapsules > 0 AND active.n + 1 > @MaxCapsules)
                       OR (@MaxVcpus > 0 AND active.v + @Vcpus > @MaxVcpus)
                       OR (@MaxMemoryMb > 0 AND active.m + @MemoryMb > @MaxMemoryMb))
        """;

    /// <summary>The host's starting and running capsules (and pending ones placed there) leave room for the capsule.</summary>
    private const string WithinRoom =
        """
        (SELECT COALESCE(SUM(vcpus), 0) FROM capsules WHERE host_id = @Host AND status IN ('pending', 'starting', 'running')) + @Vcpus <= @RoomVcpus
        AND (SELECT COALESCE(SUM(memory_mb), 0) FROM capsules WHERE host_id = @Host AND status IN ('pending', 'starting', 'running')) + @MemoryMb <= @RoomMemoryMb
        """;

    private static string HostLock(string hostId) => "host-room:" + hostId;

    private static object RoomParameters(CapsuleRecord record, HostRoom room) =>
        new { Host = room.HostId, record.Vcpus, record.MemoryMb, RoomVcpus = room.Vcpus, RoomMemoryMb = room.MemoryMb };

    private object QuotaParameters(CapsuleRecord record, TeamQuotas quotas) => new
    {
        record.Id, record.TeamId, record.Status, record.StatusReason, record.Template, record.Vcpus, record.MemoryMb, record.TimeoutSec,
        record.CreatedAt, record.StartedAt, record.LastActiveAt, record.LastUpdated, record.Metadata, record.Idempotency, record.RequestHash,
        record.AutoResume, quotas.MaxCapsules, quotas.MaxVcpus, quotas.MaxMemoryMb, Now, record.HostId,
        record.ExpiresAt, record.ExpiryTtlSec, record.ExpiryAction, record.GuestEnv, record.GuestUser, record.UserMetadata,
    };

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
        var parameters = new DynamicParameters(new { Team = team.Value, AfterCreated = after?.CreatedAt, AfterId = after?.Id, Limit = limit });
        var statusList = SqlList.Add(parameters, "Status", statuses);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<CapsuleRecord>(
            $"""
            SELECT * FROM capsules
            WHERE team_id = @Team AND status IN {statusList}
              AND (@AfterId IS NULL OR created_at < @AfterCreated OR (created_at = @AfterCreated AND id < @AfterId))
            ORDER BY created_at DESC, id DESC LIMIT @Limit
            """,
            parameters).ConfigureAwait(false);
        return rows.AsList();
    }

    /// <summary>Every capsule in one of <paramref name="statuses"/>, any team (reconciliation, auto-pause, metrics).</summary>
    public async Task<IReadOnlyList<CapsuleRecord>> InStatusAsync(IReadOnlyCollection<string> statuses, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var statusList = SqlList.Add(parameters, "Status", statuses);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<CapsuleRecord>($"SELECT * FROM capsules WHERE status IN {statusList}", parameters).ConfigureAwait(false)).AsList();
    }

    public async Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Status, long Count)>("SELECT status, COUNT(*) FROM capsules GROUP BY status").ConfigureAwait(false);
        return rows.ToDictionary(row => row.Status, row => row.Count, StringComparer.Ordinal);
    }

    /// <summary>
    /// Moves the capsule from <paramref name="from"/> to <paramref name="to"/> if it is still in
    /// <paramref name="from"/>; returns whether it did. A start (<paramref name="started"/>) moves an
    /// absolute end to at least its time to live from now: a capsule paused at its end, then resumed,
    /// does not end again at once.
    /// </summary>
    public async Task<bool> TransitionAsync(string id, string from, string to, string? reason, CancellationToken cancellationToken, bool started = false, string? metadata = null)
    {
        var now = Now;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var moved = await connection.ExecuteAsync(
            """
            UPDATE capsules SET status = @To, status_reason = @Reason, last_updated = @Now,
              started_at = CASE WHEN @Started THEN @Now ELSE started_at END,
              last_active_at = CASE WHEN @Started THEN @Now ELSE last_active_at END,
              expires_at = CASE WHEN @Started AND expires_at IS NOT NULL AND expires_at < @Now + expiry_ttl_sec * 1000
                                THEN @Now + expiry_ttl_sec * 1000 ELSE expires_at END,
              metadata = COALESCE(@Metadata, metadata)
            WHERE id = @Id AND status = @From
            """,
            new { Id = id, From = from, To = to, Reason = reason, Now = now, Started = started, Metadata = metadata }).ConfigureAwait(false) == 1;
        if (moved)
        {
            _moves.Moved(id);
        }

        return moved;
    }

    /// <summary>
    /// Sets the capsule's absolute end to <paramref name="seconds"/> from now unless it is stopped or
    /// failed; with <paramref name="forNextStarts"/>, also the time to live its next starts give it.
    /// </summary>
    public async Task<bool> SetExpiryAsync(string id, long seconds, bool forNextStarts, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE capsules SET expires_at = @At, expiry_ttl_sec = CASE WHEN @ForNextStarts THEN @Seconds ELSE expiry_ttl_sec END
            WHERE id = @Id AND status NOT IN ('stopped', 'error')
            """,
            new { Id = id, At = Now + (seconds * 1000), Seconds = seconds, ForNextStarts = forNextStarts }).ConfigureAwait(false) == 1;
    }

    /// <summary>Running capsules whose absolute end has come.</summary>
    public async Task<IReadOnlyList<CapsuleRecord>> ExpiredAsync(long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<CapsuleRecord>(
            "SELECT * FROM capsules WHERE status = 'running' AND expires_at IS NOT NULL AND expires_at <= @Now", new { Now = now })
            .ConfigureAwait(false)).AsList();
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

internal enum InsertOutcome
{
    Inserted,
    QuotaExceeded,
    DuplicateIdempotency,
    /// <summary>Another create took the room on the chosen host first.</summary>
    NoRoom,
}

/// <summary>What a host offers capsules: vCPUs (over-commit included) and memory in MiB.</summary>
internal sealed record HostRoom(string HostId, long Vcpus, long MemoryMb);

internal enum ResumeOutcome
{
    Started,
    QuotaExceeded,
    WrongState,
    /// <summary>The host holding the snapshot has no room for the capsule now.</summary>
    NoRoom,
}
