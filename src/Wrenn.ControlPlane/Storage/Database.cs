using System.Data.Common;
using System.Globalization;
using Dapper;

namespace Wrenn.ControlPlane.Storage;

/// <summary>
/// The control plane's database: SQLite (one file in the data directory, the default) or
/// PostgreSQL. Both hold the same schema from the same migrations, and every statement the control
/// plane runs is written to mean the same on both. Each call opens a pooled connection; state
/// changes are single compare-and-set statements, so no transaction spans an await on a VM.
/// </summary>
internal abstract class Database : IAsyncDisposable
{
    static Database()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    /// <summary>The file name of the SQLite database in the data directory.</summary>
    public const string SqliteFileName = "wrenn.db";

    /// <summary>PostgreSQL at <paramref name="postgresUrl"/> when one is given, else SQLite in <paramref name="dataDirectory"/>.</summary>
    public static Database For(string? postgresUrl, string dataDirectory) =>
        postgresUrl is null
            ? new SqliteDatabase(Path.Combine(dataDirectory, SqliteFileName))
            : new PostgresDatabase(PostgresUrl.ToConnectionString(postgresUrl));

    /// <summary>
    /// What a migration written for this database alone has before <c>.sql</c>
    /// (<c>0008-name.postgres.sql</c> replaces <c>0008-name.sql</c> on PostgreSQL).
    /// </summary>
    protected abstract string Dialect { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether a unique index or primary key refused a row (a lost race, not a bug).</summary>
    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>
    /// A transaction that first waits for, then excludes, every other transaction locking the same
    /// <paramref name="name"/>, until it ends. For a check and a write that must not interleave with
    /// another's, such as a quota: a single statement is atomic on SQLite, not on PostgreSQL.
    /// </summary>
    public Task<DbTransaction> BeginLockedAsync(DbConnection connection, string name, CancellationToken cancellationToken) =>
        BeginLockedAsync(connection, [name], cancellationToken);

    /// <summary>As above, holding every lock of <paramref name="names"/>, taken in that order (callers keep one order: no deadlock).</summary>
    public async Task<DbTransaction> BeginLockedAsync(DbConnection connection, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(names);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var name in names)
            {
                await LockAsync(transaction, name).ConfigureAwait(false);
            }

            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Takes the lock <paramref name="name"/> for the rest of <paramref name="transaction"/>.</summary>
    protected abstract Task LockAsync(DbTransaction transaction, string name);

    /// <summary>Whether the server's schema is there (the server has started on this database).</summary>
    public abstract Task<bool> HasSchemaAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Brings the schema up to date: the embedded migrations (<c>Storage/Migrations/NNNN-*.sql</c>)
    /// not yet recorded in <c>schema_migrations</c> run in order, each in its own transaction.
    /// </summary>
    public virtual async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExclusivelyAsync(connection, () => ApplyMigrationsAsync(connection, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="migrate"/> so that no other process migrates the same database meanwhile.</summary>
    protected abstract Task ExclusivelyAsync(DbConnection connection, Func<Task> migrate, CancellationToken cancellationToken);

    private async Task ApplyMigrationsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)").ConfigureAwait(false);
        var applied = await connection.ExecuteScalarAsync<long?>("SELECT MAX(version) FROM schema_migrations").ConfigureAwait(false) ?? 0;
        foreach (var (version, resource) in Migrations(Dialect, typeof(Database).Assembly.GetManifestResourceNames()).Where(migration => migration.Version > applied))
        {
            await using var script = typeof(Database).Assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(script);
            var sql = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync(sql, transaction: transaction).ConfigureAwait(false);
            await connection.ExecuteAsync("INSERT INTO schema_migrations (version, applied_at) VALUES (@Version, @At)",
                new { Version = version, At = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds() }, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The migration scripts among <paramref name="resources"/> by version (the number their name
    /// starts with), in order: for each version the one written for <paramref name="dialect"/>
    /// (<c>NNNN-name.dialect.sql</c>) if there is one, else the portable one (<c>NNNN-name.sql</c>).
    /// </summary>
    internal static IEnumerable<(long Version, string Resource)> Migrations(string dialect, IEnumerable<string> resources)
    {
        const string Prefix = "migrations/";
        var scripts = resources.Where(name => name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => (Version: long.Parse(name[Prefix.Length..name.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture), Resource: name,
                Dialect: DialectOf(name)));
        return scripts.Where(script => script.Dialect.Length == 0 || script.Dialect == dialect)
            .GroupBy(script => script.Version)
            .Select(version => version.OrderByDescending(script => script.Dialect.Length).First())
            .OrderBy(script => script.Version)
            .Select(script => (script.Version, script.Resource));
    }

    /// <summary>The dialect a script is written for (<c>0001-x.postgres.sql</c>), or empty for a portable one.</summary>
    private static string DialectOf(string resource) =>
        Path.GetExtension(Path.GetFileNameWithoutExtension(resource)) switch
        {
            "." + SqliteDatabase.Name => SqliteDatabase.Name,
            "." + PostgresDatabase.Name => PostgresDatabase.Name,
            _ => string.Empty,
        };

    /// <summary>Closes what the database keeps open between calls (PostgreSQL's connection pool).</summary>
    public abstract ValueTask DisposeAsync();

    /// <summary>True when a trivial query answers (GET /health).</summary>
    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            return await connection.ExecuteScalarAsync<long>("SELECT 1").ConfigureAwait(false) == 1;
        }
        catch (DbException)
        {
            return false;
        }
    }
}
