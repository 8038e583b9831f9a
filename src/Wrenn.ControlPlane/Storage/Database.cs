using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Wrenn.ControlPlane.Storage;

/// <summary>
/// The control plane's SQLite database (WAL, one file in the data directory). Each call opens a
/// pooled connection; writers are serialized by SQLite, and state changes are single
/// compare-and-set statements, so no transaction spans an await on a VM.
/// </summary>
internal sealed class Database
{
    private readonly string _connectionString;
    private readonly string _path;

    static Database()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public Database(string path)
    {
        _path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;").ConfigureAwait(false);
        return connection;
    }

    /// <summary>
    /// Brings the schema up to date: the embedded migrations (<c>Storage/Migrations/NNNN-*.sql</c>)
    /// not yet recorded in <c>schema_migrations</c> run in order, each in its own transaction. WAL
    /// lets readers go on while one writer commits. The file is the server's user's alone (0600;
    /// SQLite gives its WAL and shared-memory files the same mode): it holds password and key
    /// hashes and the session signing key.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!File.Exists(_path))
        {
            await new FileStream(_path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly }).DisposeAsync().ConfigureAwait(false);
        }

        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" }.Where(File.Exists))
        {
            File.SetUnixFileMode(file, OwnerOnly);
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;").ConfigureAwait(false);
        await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)").ConfigureAwait(false);
        var applied = await connection.ExecuteScalarAsync<long?>("SELECT MAX(version) FROM schema_migrations").ConfigureAwait(false) ?? 0;
        foreach (var (version, resource) in Migrations().Where(migration => migration.Version > applied))
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

    /// <summary>The embedded migration scripts by version (the number their name starts with), in order.</summary>
    private static IEnumerable<(long Version, string Resource)> Migrations() =>
        typeof(Database).Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith("migrations/", StringComparison.Ordinal))
            .Select(name => (long.Parse(name["migrations/".Length..name.IndexOf('-', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture), name))
            .OrderBy(migration => migration.Item1);

    /// <summary>True when a trivial query answers (GET /health).</summary>
    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            return await connection.ExecuteScalarAsync<long>("SELECT 1").ConfigureAwait(false) == 1;
        }
        catch (SqliteException)
        {
            return false;
        }
    }
}
