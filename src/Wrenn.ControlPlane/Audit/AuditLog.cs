using System.Text.Json;
using Dapper;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Audit;

/// <summary>An audit entry as stored; <c>seq</c> orders entries and backs the list cursor.</summary>
internal sealed record AuditRecord(
    string Id, long Seq, string TeamId, long CreatedAt, string ActorType, string? ActorId, string? ActorName,
    string ResourceType, string? ResourceId, string Action, string Status, string Metadata);

/// <summary>The audit log of lifecycle and management actions (spec §7.5). Never holds secrets.</summary>
internal sealed partial class AuditLog(Database database, TimeProvider time, ILogger<AuditLog> logger)
{
    private long _seq = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;

    public async Task RecordAsync(Caller actor, string resourceType, string? resourceId, string action, bool success, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var record = new AuditRecord(
            PublicIds.New("log-"), Interlocked.Increment(ref _seq), actor.Team.Value, time.GetUtcNow().ToUnixTimeMilliseconds(),
            actor.ActorType, actor.ActorId, actor.ActorName, resourceType, resourceId, action, success ? "success" : "failure",
            JsonSerializer.Serialize(metadata ?? new Dictionary<string, string>()));
        try
        {
            await using var connection = await database.OpenAsync().ConfigureAwait(false);
            await connection.ExecuteAsync(
                """
                INSERT INTO audit_logs (id, seq, team_id, created_at, actor_type, actor_id, actor_name, resource_type, resource_id, action, status, metadata)
                VALUES (@Id, @Seq, @TeamId, @CreatedAt, @ActorType, @ActorId, @ActorName, @ResourceType, @ResourceId, @Action, @Status, @Metadata)
                """, record).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException exception)
        {
            // The action itself happened; losing its audit entry must not turn it into a failure.
            LogAuditLost(logger, action, resourceId, exception);
        }
    }

    public async Task<IReadOnlyList<AuditRecord>> ListAsync(TeamId team, long? beforeSeq, string? resourceType, string? action, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<AuditRecord>(
            """
            SELECT * FROM audit_logs WHERE team_id = @Team
              AND (@Before IS NULL OR seq < @Before)
              AND (@ResourceType IS NULL OR resource_type = @ResourceType)
              AND (@Action IS NULL OR action = @Action)
            ORDER BY seq DESC LIMIT @Limit
            """, new { Team = team.Value, Before = beforeSeq, ResourceType = resourceType, Action = action, Limit = limit }).ConfigureAwait(false);
        return rows.AsList();
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Could not write the audit entry for {Action} on {ResourceId}")]
    private static partial void LogAuditLost(ILogger logger, string action, string? resourceId, Exception exception);
}
