using System.Data.Common;
using Dapper;
using Npgsql;

namespace Wrenn.ControlPlane.Storage;

/// <summary>
/// A PostgreSQL database (Npgsql), which several control-plane processes may share. Locks are
/// advisory locks named by text (hashed with <c>hashtextextended</c>), so they take no table.
/// </summary>
internal sealed class PostgresDatabase(string connectionString) : Database
{
    /// <summary>The dialect name in migration file names.</summary>
    public const string Name = "postgres";

    private const string MigrationLock = "wrenn: schema migrations";

    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);

    protected override string Dialect => Name;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override bool IsUniqueViolation(Exception exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    protected override Task LockAsync(DbTransaction transaction, string name) =>
        transaction.Connection!.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended(@Name, 0))", new { Name = name }, transaction);

    public override async Task<bool> HasSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('schema_migrations') IS NOT NULL").ConfigureAwait(false);
    }

    /// <summary>
    /// Control planes starting together take turns: the first migrates, the others then find
    /// nothing left to do. The lock is the session's, released explicitly (a pooled connection
    /// would otherwise keep it) or when a crash ends the session.
    /// </summary>
    protected override async Task ExclusivelyAsync(DbConnection connection, Func<Task> migrate, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync("SELECT pg_advisory_lock(hashtextextended(@Name, 0))", new { Name = MigrationLock }).ConfigureAwait(false);
        try
        {
            await migrate().ConfigureAwait(false);
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(hashtextextended(@Name, 0))", new { Name = MigrationLock }).ConfigureAwait(false);
        }
    }

    public override ValueTask DisposeAsync() => _source.DisposeAsync();
}
