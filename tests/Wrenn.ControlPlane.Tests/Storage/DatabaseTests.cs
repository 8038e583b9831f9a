using Dapper;
using Wrenn.ControlPlane.Storage;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Storage;

/// <summary>The two databases hold one schema history: same migrations, same tables and columns in the same order.</summary>
public sealed class DatabaseTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-db-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Migrations_TakeTheDialectsOwnScript_OverThePortableOne()
    {
        string[] resources =
        [
            "migrations/0002-b.sql", "migrations/0001-a.sql", "migrations/0002-b.postgres.sql", "migrations/0003-c.sqlite.sql", "migrations/0003-c.sql",
            "other/0004-d.sql",
        ];

        Assert.Equal(
            [(1, "migrations/0001-a.sql"), (2, "migrations/0002-b.postgres.sql"), (3, "migrations/0003-c.sql")],
            Database.Migrations(PostgresDatabase.Name, resources));
        Assert.Equal(
            [(1, "migrations/0001-a.sql"), (2, "migrations/0002-b.sql"), (3, "migrations/0003-c.sqlite.sql")],
            Database.Migrations(SqliteDatabase.Name, resources));
    }

    [Fact]
    public async Task Migrating_Again_ChangesNothing()
    {
        await using var sqlite = Database.For(null, _directory);
        await using var postgres = await NewPostgresAsync();
        foreach (var database in new[] { sqlite, postgres })
        {
            await database.MigrateAsync(CancellationToken.None);
            var once = await VersionsAsync(database);
            await database.MigrateAsync(CancellationToken.None);
            Assert.Equal(once, await VersionsAsync(database));
            Assert.Equal(Enumerable.Range(1, once.Count).Select(version => (long)version), once);
        }
    }

    [Fact]
    public async Task PostgresMigrations_StartedTogether_RunOnce()
    {
        var url = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        var databases = Enumerable.Range(0, 4).Select(_ => Database.For(url, _directory)).ToList();
        try
        {
            await Task.WhenAll(databases.Select(database => database.MigrateAsync(CancellationToken.None)));
            var versions = await VersionsAsync(databases[0]);
            Assert.Equal(versions.Distinct(), versions);
            Assert.NotEmpty(versions);
        }
        finally
        {
            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task BothDatabases_HaveTheSameTablesAndColumns_InTheSameOrder()
    {
        await using var sqlite = Database.For(null, _directory);
        await using var postgres = await NewPostgresAsync();
        await sqlite.MigrateAsync(CancellationToken.None);
        await postgres.MigrateAsync(CancellationToken.None);

        await using var sqliteConnection = await sqlite.OpenAsync();
        var sqliteColumns = (await sqliteConnection.QueryAsync<string>(
            """
            SELECT t.name || '.' || c.name FROM sqlite_master t JOIN pragma_table_info(t.name) c
            WHERE t.type = 'table' ORDER BY t.name, c.cid
            """)).ToList();
        await using var postgresConnection = await postgres.OpenAsync();
        var postgresColumns = (await postgresConnection.QueryAsync<string>(
            """
            SELECT table_name || '.' || column_name FROM information_schema.columns
            WHERE table_schema = current_schema() ORDER BY table_name COLLATE "C", ordinal_position
            """)).ToList();
        Assert.Equal(sqliteColumns, postgresColumns);
    }

    [Fact]
    public async Task ADuplicateKey_IsAUniqueViolation_OnBoth()
    {
        await using var sqlite = Database.For(null, _directory);
        await using var postgres = await NewPostgresAsync();
        foreach (var database in new[] { sqlite, postgres })
        {
            await database.MigrateAsync(CancellationToken.None);
            await using var connection = await database.OpenAsync();
            await connection.ExecuteAsync("INSERT INTO settings (key, value) VALUES ('k', 'v')");
            var duplicate = await Assert.ThrowsAnyAsync<Exception>(() => connection.ExecuteAsync("INSERT INTO settings (key, value) VALUES ('k', 'w')"));
            Assert.True(database.IsUniqueViolation(duplicate), duplicate.ToString());
            Assert.False(database.IsUniqueViolation(new InvalidOperationException()));
        }
    }

    private async Task<Database> NewPostgresAsync() => Database.For(await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync(), _directory);

    private static async Task<List<long>> VersionsAsync(Database database)
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<long>("SELECT version FROM schema_migrations ORDER BY version")).AsList();
    }
}
