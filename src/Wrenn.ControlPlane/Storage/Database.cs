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

    static Database()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public Database(string path)
    {
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

    /// <summary>Creates the schema if missing; WAL lets readers go on while one writer commits.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;").ConfigureAwait(false);
        await using var schema = typeof(Database).Assembly.GetManifestResourceStream("schema.sql")
            ?? throw new InvalidOperationException("schema.sql is not embedded");
        using var reader = new StreamReader(schema);
        await connection.ExecuteAsync(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
    }

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
