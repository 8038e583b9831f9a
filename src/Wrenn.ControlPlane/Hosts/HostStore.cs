using Dapper;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Host rows. Status changes are compare-and-set statements on the previous status, as for
/// capsules; token checks compare SHA-256 hashes (<see cref="HostTokens"/>) inside the statement
/// that uses them, so a token can be consumed once however many requests race with it.
/// </summary>
internal sealed class HostStore(Database database)
{
    private const string Columns =
        """
        id, type, team_id, status, address, arch, cpu_cores, memory_mb, disk_gb, provider, availability_zone, last_heartbeat_at,
        created_at, updated_at, capsules_running, memory_mb_used, disk_gb_used, unreachable_from, audit_team_id
        """;

    /// <summary>The statuses of a capsule that holds (or may hold) resources on its host.</summary>
    public static readonly IReadOnlyList<string> LiveCapsuleStatuses = [Statuses.Starting, Statuses.Running, Statuses.Paused];

    public async Task InsertAsync(HostRecord host, string registrationHash, long registrationExpiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(
            """
            INSERT INTO hosts (id, type, team_id, status, provider, availability_zone, created_at, updated_at, audit_team_id,
                               registration_hash, registration_expires_at)
            VALUES (@Id, @Type, @TeamId, @Status, @Provider, @AvailabilityZone, @CreatedAt, @UpdatedAt, @AuditTeamId, @Hash, @ExpiresAt)
            """,
            new
            {
                host.Id, Type = HostWire.Name(host.Type), host.TeamId, Status = HostWire.Name(host.Status), host.Provider, host.AvailabilityZone,
                host.CreatedAt, host.UpdatedAt, host.AuditTeamId, Hash = registrationHash, ExpiresAt = registrationExpiresAt,
            }).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the in-process host of <c>wrenn serve</c> if it is not there (or was deleted), and
    /// keeps its address and capacity current; it is online from here on.
    /// </summary>
    public async Task EnsureLocalAsync(HostId id, HostCapacity capacity, TeamId? auditTeam, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new
        {
            Id = id.Value, capacity.Address, capacity.Arch, capacity.CpuCores, capacity.MemoryMb, capacity.DiskGb, AuditTeam = auditTeam?.Value, Now = now,
        };
        await connection.ExecuteAsync(
            """
            INSERT INTO hosts (id, type, status, address, arch, cpu_cores, memory_mb, disk_gb, last_heartbeat_at, created_at, updated_at, audit_team_id,
                               registration_used)
            VALUES (@Id, 'regular', 'online', @Address, @Arch, @CpuCores, @MemoryMb, @DiskGb, @Now, @Now, @Now, @AuditTeam, 1)
            ON CONFLICT (id) DO NOTHING
            """, parameters).ConfigureAwait(false);
        await connection.ExecuteAsync(
            """
            UPDATE hosts SET address = @Address, arch = @Arch, cpu_cores = @CpuCores, memory_mb = @MemoryMb, disk_gb = @DiskGb, updated_at = @Now
            WHERE id = @Id
            """, parameters).ConfigureAwait(false);
    }

    public async Task<HostRecord?> GetAsync(HostId id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<HostRecord>($"SELECT {Columns} FROM hosts WHERE id = @Id", new { Id = id.Value }).ConfigureAwait(false);
    }

    /// <summary>Every host, or only the BYOC hosts of <paramref name="team"/>; oldest first.</summary>
    public async Task<IReadOnlyList<HostRecord>> ListAsync(TeamId? team, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<HostRecord>(
            $"SELECT {Columns} FROM hosts WHERE @Team IS NULL OR team_id = @Team ORDER BY created_at, id", new { Team = team?.Value }).ConfigureAwait(false)).AsList();
    }

    /// <summary>Replaces a pending host's registration token (the old one stops working); false once it is no longer pending.</summary>
    public async Task<bool> SetRegistrationAsync(HostId id, string hash, long expiresAt, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE hosts SET registration_hash = @Hash, registration_expires_at = @ExpiresAt, registration_used = 0, updated_at = @Now
            WHERE id = @Id AND status = 'pending'
            """, new { Id = id.Value, Hash = hash, ExpiresAt = expiresAt, Now = now }).ConfigureAwait(false) == 1;
    }

    /// <summary>The pending host whose unused, unexpired registration token has this hash.</summary>
    public async Task<HostRecord?> FindRegistrationAsync(string hash, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<HostRecord>(
            $"""
            SELECT {Columns} FROM hosts
            WHERE registration_hash = @Hash AND registration_used = 0 AND registration_expires_at > @Now AND status = 'pending'
            """, new { Hash = hash, Now = now }).ConfigureAwait(false);
    }

    /// <summary>
    /// Consumes the registration token and brings the host online with its capacity and new
    /// credentials; false when the token was used, replaced or expired meanwhile.
    /// </summary>
    public async Task<bool> RegisterAsync(HostId id, string registrationHash, HostCapacity capacity, HostCredentials credentials, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE hosts SET status = 'online', address = @Address, arch = @Arch, cpu_cores = @CpuCores, memory_mb = @MemoryMb, disk_gb = @DiskGb,
                             registration_used = 1, host_token_hash = @HostTokenHash, host_token_expires_at = @HostTokenExpiresAt,
                             refresh_token_hash = @RefreshTokenHash, last_heartbeat_at = @Now, updated_at = @Now
            WHERE id = @Id AND registration_hash = @RegistrationHash AND registration_used = 0 AND registration_expires_at > @Now AND status = 'pending'
            """,
            new
            {
                Id = id.Value, RegistrationHash = registrationHash, capacity.Address, capacity.Arch, capacity.CpuCores, capacity.MemoryMb, capacity.DiskGb,
                credentials.HostTokenHash, credentials.HostTokenExpiresAt, credentials.RefreshTokenHash, Now = now,
            }).ConfigureAwait(false) == 1;
    }

    public async Task<HostRecord?> FindRefreshAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<HostRecord>(
            $"SELECT {Columns} FROM hosts WHERE refresh_token_hash = @Hash", new { Hash = hash }).ConfigureAwait(false);
    }

    /// <summary>Replaces the host and refresh tokens if the refresh token is still <paramref name="refreshHash"/> (rotation: it works once).</summary>
    public async Task<bool> RotateAsync(HostId id, string refreshHash, HostCredentials credentials, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE hosts SET host_token_hash = @HostTokenHash, host_token_expires_at = @HostTokenExpiresAt, refresh_token_hash = @RefreshTokenHash, updated_at = @Now
            WHERE id = @Id AND refresh_token_hash = @OldHash
            """,
            new { Id = id.Value, OldHash = refreshHash, credentials.HostTokenHash, credentials.HostTokenExpiresAt, credentials.RefreshTokenHash, Now = now })
            .ConfigureAwait(false) == 1;
    }

    /// <summary>The host holding a host token with this hash, and when the token expires.</summary>
    public async Task<(string Id, long ExpiresAt)?> HostTokenAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Id, long ExpiresAt)>(
            "SELECT id, host_token_expires_at FROM hosts WHERE host_token_hash = @Hash", new { Hash = hash }).ConfigureAwait(false);
        return rows.Select(row => ((string, long)?)row).FirstOrDefault();
    }

    /// <summary>Records a heartbeat's time and usage; false when the host does not exist.</summary>
    public async Task<bool> RecordHeartbeatAsync(HostId id, HostUsage usage, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE hosts SET last_heartbeat_at = @Now, capsules_running = @CapsulesRunning, memory_mb_used = @MemoryMbUsed, disk_gb_used = @DiskGbUsed
            WHERE id = @Id
            """, new { Id = id.Value, Now = now, usage.CapsulesRunning, usage.MemoryMbUsed, usage.DiskGbUsed }).ConfigureAwait(false) == 1;
    }

    /// <summary>An unreachable host back to the status it had before; false if it was not unreachable.</summary>
    public async Task<bool> ReturnAsync(HostId id, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE hosts SET status = COALESCE(unreachable_from, 'online'), unreachable_from = NULL, updated_at = @Now
            WHERE id = @Id AND status = 'unreachable'
            """, new { Id = id.Value, Now = now }).ConfigureAwait(false) == 1;
    }

    /// <summary>Moves the host to <paramref name="to"/> if it is in one of <paramref name="from"/>.</summary>
    public async Task<bool> TransitionAsync(HostId id, IReadOnlyCollection<HostStatus> from, HostStatus to, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new DynamicParameters(new { Id = id.Value, To = HostWire.Name(to), Now = now });
        var fromList = SqlList.Add(parameters, "From", from.Select(HostWire.Name));
        return await connection.ExecuteAsync($"UPDATE hosts SET status = @To, updated_at = @Now WHERE id = @Id AND status IN {fromList}", parameters)
            .ConfigureAwait(false) == 1;
    }

    public async Task DeleteAsync(HostId id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("DELETE FROM hosts WHERE id = @Id", new { Id = id.Value }).ConfigureAwait(false);
    }

    /// <summary>Online and draining hosts whose last heartbeat is older than <paramref name="cutoff"/>.</summary>
    public async Task<IReadOnlyList<HostRecord>> SilentSinceAsync(long cutoff, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return (await connection.QueryAsync<HostRecord>(
            $"SELECT {Columns} FROM hosts WHERE status IN ('online', 'draining') AND COALESCE(last_heartbeat_at, 0) < @Cutoff",
            new { Cutoff = cutoff }).ConfigureAwait(false)).AsList();
    }

    /// <summary>The host to unreachable, remembering its status, if it is still silent since <paramref name="cutoff"/>.</summary>
    public async Task<bool> MarkUnreachableAsync(HostId id, long cutoff, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE hosts SET unreachable_from = status, status = 'unreachable', updated_at = @Now
            WHERE id = @Id AND status IN ('online', 'draining') AND COALESCE(last_heartbeat_at, 0) < @Cutoff
            """, new { Id = id.Value, Cutoff = cutoff, Now = now }).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// The host's starting, running and paused capsules become <c>missing</c>, each remembering its
    /// status (spec §3.3) — except paused ones whose latest pause is in the snapshot store: they stay
    /// paused, resumable on any other host.
    /// </summary>
    public async Task<int> MarkCapsulesMissingAsync(HostId id, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new DynamicParameters(new { Host = id.Value, Now = now });
        var live = SqlList.Add(parameters, "Live", LiveCapsuleStatuses);
        return await connection.ExecuteAsync(
            $"""
            UPDATE capsules SET missing_from = status, status = 'missing', status_reason = 'host unreachable', last_updated = @Now
            WHERE host_id = @Host AND status IN {live}
              AND NOT (status = 'paused' AND snapshot_generation IS NOT NULL AND stored_generation = snapshot_generation)
            """, parameters).ConfigureAwait(false);
    }

    /// <summary>The host's <c>missing</c> capsules back to the status they had before it went silent.</summary>
    public async Task<int> RestoreMissingCapsulesAsync(HostId id, long now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(
            """
            UPDATE capsules SET status = missing_from, missing_from = NULL, status_reason = NULL, last_updated = @Now
            WHERE host_id = @Host AND status = 'missing' AND missing_from IS NOT NULL
            """, new { Host = id.Value, Now = now }).ConfigureAwait(false);
    }

    /// <summary>The capsules on the host in one of <paramref name="statuses"/>, oldest first.</summary>
    public async Task<IReadOnlyList<CapsuleRecord>> CapsulesOnAsync(HostId id, IReadOnlyCollection<string> statuses, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new DynamicParameters(new { Host = id.Value });
        var list = SqlList.Add(parameters, "Status", statuses);
        return (await connection.QueryAsync<CapsuleRecord>($"SELECT * FROM capsules WHERE host_id = @Host AND status IN {list} ORDER BY created_at, id", parameters)
            .ConfigureAwait(false)).AsList();
    }

    /// <summary>How many capsules run on the host, and their memory (the in-process host's heartbeat).</summary>
    public async Task<(long Count, long MemoryMb)> RunningOnAsync(HostId id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleAsync<(long, long)>(
            "SELECT COUNT(*), CAST(COALESCE(SUM(memory_mb), 0) AS BIGINT) FROM capsules WHERE host_id = @Host AND status = 'running'", new { Host = id.Value }).ConfigureAwait(false);
    }

    /// <summary>
    /// Online hosts with their capacity, their last reported usage, and the vCPUs and memory of
    /// their starting and running capsules (what placement weighs).
    /// </summary>
    public async Task<IReadOnlyList<PlaceableHost>> PlaceableAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<PlaceableRow>(
            """
            SELECT h.id, h.type, h.team_id, h.address, h.cpu_cores, h.memory_mb, h.disk_gb, h.capsules_running, h.memory_mb_used, h.disk_gb_used,
                   CAST(COALESCE(SUM(c.vcpus), 0) AS BIGINT) AS reserved_vcpus, CAST(COALESCE(SUM(c.memory_mb), 0) AS BIGINT) AS reserved_memory_mb
            FROM hosts h LEFT JOIN capsules c ON c.host_id = h.id AND c.status IN ('pending', 'starting', 'running')
            WHERE h.status = 'online'
            GROUP BY h.id, h.type, h.team_id, h.address, h.cpu_cores, h.memory_mb, h.disk_gb, h.capsules_running, h.memory_mb_used, h.disk_gb_used
            ORDER BY h.id
            """).ConfigureAwait(false);
        return rows.Select(row => new PlaceableHost(
            new HostId(row.Id), row.Type, row.TeamId is null ? null : new TeamId(row.TeamId), row.Address ?? string.Empty, row.CpuCores ?? 0, row.MemoryMb ?? 0,
            row.DiskGb ?? 0, new HostUsage(row.CapsulesRunning, row.MemoryMbUsed, row.DiskGbUsed), row.ReservedVcpus, row.ReservedMemoryMb)).ToList();
    }

    public async Task<IReadOnlyDictionary<HostStatus, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Status, long Count)>("SELECT status, COUNT(*) FROM hosts GROUP BY status").ConfigureAwait(false);
        return rows.ToDictionary(row => Enum.Parse<HostStatus>(row.Status, ignoreCase: true), row => row.Count);
    }

    /// <summary>
    /// A row of <see cref="PlaceableAsync"/>. Settable properties, not a positional record: with no
    /// online host, SQLite cannot type the computed columns of the empty result (it reports BLOB),
    /// and Dapper, which picks a constructor by column types before reading, then finds none.
    /// </summary>
    private sealed class PlaceableRow
    {
        public string Id { get; init; } = string.Empty;

        public HostType Type { get; init; }

        public string? TeamId { get; init; }

        public string? Address { get; init; }

        public long? CpuCores { get; init; }

        public long? MemoryMb { get; init; }

        public long? DiskGb { get; init; }

        public long CapsulesRunning { get; init; }

        public long MemoryMbUsed { get; init; }

        public long DiskGbUsed { get; init; }

        public long ReservedVcpus { get; init; }

        public long ReservedMemoryMb { get; init; }
    }
}

/// <summary>The hashes of a host's new credentials and when its host token expires.</summary>
internal sealed record HostCredentials(string HostTokenHash, long HostTokenExpiresAt, string RefreshTokenHash);
