using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Wrenn.ControlPlane.Storage;

/// <summary>
/// The embedded database: one SQLite file (WAL) in the data directory, for a server that is its
/// only user. Writers are serialized by SQLite.
/// </summary>
internal sealed class SqliteDatabase : Database
{
    /// <summary>The dialect name in migration file names.</summary>
    public const string Name = "sqlite";

    // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY (any other constraint is a bug, not a race).
    private const int UniqueConstraintFailed = 2067;
    private const int PrimaryKeyConstraintFailed = 1555;

    private readonly string _connectionString;
    private readonly string _path;

    public SqliteDatabase(string path)
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

    protected override string Dialect => Name;

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;").ConfigureAwait(false);
        return connection;
    }

    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteExtendedErrorCode: UniqueConstraintFailed or PrimaryKeyConstraintFailed };

    /// <summary>
    /// Nothing to do: a transaction here begins IMMEDIATE (Microsoft.Data.Sqlite's default), so it
    /// already holds the database's one write lock.
    /// </summary>
    protected override Task LockAsync(DbTransaction transaction, string name) => Task.CompletedTask;

    /// <summary>Nothing to close: Microsoft.Data.Sqlite's connection pool is the process's.</summary>
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public override Task<bool> HasSchemaAsync(CancellationToken cancellationToken) => Task.FromResult(File.Exists(_path));

    /// <summary>
    /// The file is the server's user's alone (0600; SQLite gives its WAL and shared-memory files
    /// the same mode): it holds password and key hashes and the session signing key.
    /// </summary>
    public override async Task MigrateAsync(CancellationToken cancellationToken)
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

        await base.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One server uses the file, so nobody else migrates it; WAL lets readers go on while one writer commits.</summary>
    protected override async Task ExclusivelyAsync(DbConnection connection, Func<Task> migrate, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync("PRAGMA journal_mode = WAL;").ConfigureAwait(false);
        await migrate().ConfigureAwait(false);
    }
}
