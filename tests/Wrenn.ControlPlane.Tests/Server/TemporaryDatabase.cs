using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Tests.Server;

/// <summary>A migrated SQLite database in a temporary directory of its own, removed afterwards (tests of stores without a server).</summary>
internal sealed class TemporaryDatabase : IAsyncDisposable
{
    private TemporaryDatabase(DirectoryInfo directory, Database database)
    {
        Directory = directory;
        Database = database;
    }

    public DirectoryInfo Directory { get; }

    public Database Database { get; }

    public static async Task<TemporaryDatabase> CreateAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("wrenn-db-");
        var database = Database.For(null, directory.FullName);
        await database.MigrateAsync(CancellationToken.None);
        return new TemporaryDatabase(directory, database);
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
