using Dapper;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Builds;

/// <summary>Build rows and their step logs. Status changes are compare-and-set on the previous status.</summary>
internal sealed class BuildStore(Database database, TimeProvider time)
{
    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task InsertAsync(BuildRecord build, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            """
            INSERT INTO builds (id, team_id, name, base_template, recipe, healthcheck, vcpus, memory_mb, skip_pre_post, has_archive,
                                content_hash, status, current_step, total_steps, error, capsule_id, runtime_name, size_bytes,
                                default_user, default_env, cached_from, actor_type, actor_id, actor_name, created_at, started_at, completed_at, platform,
                                base_runtime)
            VALUES (@Id, @TeamId, @Name, @BaseTemplate, @Recipe, @Healthcheck, @Vcpus, @MemoryMb, @SkipPrePost, @HasArchive,
                    @ContentHash, @Status, @CurrentStep, @TotalSteps, @Error, @CapsuleId, @RuntimeName, @SizeBytes,
                    @DefaultUser, @DefaultEnv, @CachedFrom, @ActorType, @ActorId, @ActorName, @CreatedAt, @StartedAt, @CompletedAt, @Platform,
                    @BaseRuntime)
            """, build).ConfigureAwait(false);
    }

    public async Task<BuildRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<BuildRecord>("SELECT * FROM builds WHERE id = @Id", new { Id = id }).ConfigureAwait(false);
    }

    public async Task<BuildRecord?> GetAsync(TeamId team, string id, CancellationToken cancellationToken)
    {
        var build = await GetAsync(id, cancellationToken).ConfigureAwait(false);
        return build?.TeamId == team.Value ? build : null;
    }

    public async Task<IReadOnlyList<BuildRecord>> ListAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<BuildRecord>("SELECT * FROM builds WHERE team_id = @Team ORDER BY created_at DESC, id", new { Team = team.Value })
            .ConfigureAwait(false)).AsList();
    }

    /// <summary>The capsules the team's builds ran in (the templates a build made are taken from them).</summary>
    public async Task<IReadOnlySet<string>> CapsuleIdsAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<string>("SELECT capsule_id FROM builds WHERE team_id = @Team AND capsule_id IS NOT NULL", new { Team = team.Value })
            .ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every platform build, whichever admin made it.</summary>
    public async Task<IReadOnlyList<BuildRecord>> ListPlatformAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<BuildRecord>("SELECT * FROM builds WHERE platform = 1 ORDER BY created_at DESC, id").ConfigureAwait(false)).AsList();
    }

    public async Task<IReadOnlyList<string>> WithStatusAsync(string status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<string>("SELECT id FROM builds WHERE status = @Status ORDER BY created_at", new { Status = status })
            .ConfigureAwait(false)).AsList();
    }

    /// <summary>
    /// The latest successful build of the same content whose template may be reused: the team's own
    /// for a team build, any admin's for a platform build.
    /// </summary>
    public async Task<BuildRecord?> FindBuiltAsync(TeamId team, bool platform, string contentHash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QueryFirstOrDefaultAsync<BuildRecord>(
            """
            SELECT * FROM builds WHERE content_hash = @Hash AND status = 'success' AND platform = @Platform AND (platform = 1 OR team_id = @Team)
            ORDER BY completed_at DESC LIMIT 1
            """, new { Team = team.Value, Hash = contentHash, Platform = platform ? 1 : 0 }).ConfigureAwait(false);
    }

    /// <summary>pending → running; false when the build was cancelled (or taken) first.</summary>
    public async Task<bool> StartAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync("UPDATE builds SET status = 'running', started_at = @Now WHERE id = @Id AND status = 'pending'",
            new { Id = id, Now }).ConfigureAwait(false) == 1;
    }

    public async Task SetCapsuleAsync(string id, string capsuleId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE builds SET capsule_id = @Capsule WHERE id = @Id", new { Id = id, Capsule = capsuleId }).ConfigureAwait(false);
    }

    /// <summary>Records a step's log and makes it the build's current step (nothing once the build is deleted).</summary>
    public async Task AddLogAsync(BuildLogRecord log, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            """
            INSERT INTO build_logs (build_id, step, phase, cmd, stdout, stderr, exit_code, ok, elapsed_ms)
            SELECT @BuildId, @Step, @Phase, @Cmd, @Stdout, @Stderr, @ExitCode, @Ok, @ElapsedMs
            WHERE EXISTS (SELECT 1 FROM builds WHERE id = @BuildId)
            ON CONFLICT (build_id, step) DO UPDATE SET phase = excluded.phase, cmd = excluded.cmd, stdout = excluded.stdout, stderr = excluded.stderr,
                                                       exit_code = excluded.exit_code, ok = excluded.ok, elapsed_ms = excluded.elapsed_ms
            """, log, transaction).ConfigureAwait(false);
        await connection.ExecuteAsync("UPDATE builds SET current_step = @Step WHERE id = @BuildId", log, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<BuildLogRecord>> LogsAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<BuildLogRecord>("SELECT * FROM build_logs WHERE build_id = @Id ORDER BY step", new { Id = id })
            .ConfigureAwait(false)).AsList();
    }

    /// <summary>
    /// A running build starts saving its template: from now on it cannot be cancelled (its template
    /// replaces the name's). False when it was cancelled first.
    /// </summary>
    public async Task<bool> FinalizeAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync("UPDATE builds SET finalizing = 1 WHERE id = @Id AND status = 'running'", new { Id = id }).ConfigureAwait(false) == 1;
    }

    /// <summary>Whether a build of the template <paramref name="name"/> (of the team, or a platform one) is pending or running.</summary>
    public async Task<bool> IsBuildingAsync(TeamId team, bool platform, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<int>(
            """
            SELECT count(*) FROM builds WHERE name = @Name AND status IN ('pending', 'running') AND platform = @Platform AND (platform = 1 OR team_id = @Team)
            """, new { Team = team.Value, Name = name, Platform = platform ? 1 : 0 }).ConfigureAwait(false) > 0;
    }

    /// <summary>Unfinished builds of a team.</summary>
    public async Task<int> UnfinishedCountAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM builds WHERE team_id = @Team AND status IN ('pending', 'running')", new { Team = team.Value })
            .ConfigureAwait(false);
    }

    /// <summary>running → success with what the build made.</summary>
    public async Task<bool> SucceedAsync(string id, string runtimeName, long sizeBytes, string defaultUser, string defaultEnv, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE builds SET status = 'success', runtime_name = @RuntimeName, size_bytes = @SizeBytes, default_user = @DefaultUser,
                              default_env = @DefaultEnv, completed_at = @Now
            WHERE id = @Id AND status = 'running'
            """, new { Id = id, RuntimeName = runtimeName, SizeBytes = sizeBytes, DefaultUser = defaultUser, DefaultEnv = defaultEnv, Now }).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// An unfinished build → <paramref name="status"/> (failed or cancelled); false when it had
    /// finished, or for a cancel, when it is saving its template.
    /// </summary>
    public async Task<bool> FinishAsync(string id, string status, string? error, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE builds SET status = @Status, error = @Error, completed_at = @Now
            WHERE id = @Id AND status IN ('pending', 'running') AND (@Status = 'failed' OR finalizing = 0)
            """, new { Id = id, Status = status, Error = error, Now }).ConfigureAwait(false) == 1;
    }

    /// <summary>Removes a finished build and its log; false when it is unfinished or gone.</summary>
    public async Task<bool> DeleteAsync(TeamId team, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await connection.ExecuteAsync(
            "DELETE FROM builds WHERE id = @Id AND team_id = @Team AND status IN ('success', 'failed', 'cancelled')",
            new { Id = id, Team = team.Value }, transaction).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM build_logs WHERE build_id = @Id AND @Deleted = 1", new { Id = id, Deleted = deleted }, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted == 1;
    }

    public async Task DeleteTeamAsync(TeamId team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM build_logs WHERE build_id IN (SELECT id FROM builds WHERE team_id = @Team)", new { Team = team.Value }).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM builds WHERE team_id = @Team", new { Team = team.Value }).ConfigureAwait(false);
    }
}
