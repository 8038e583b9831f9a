using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>Host reads on both databases, including the empty results SQLite cannot type.</summary>
public sealed class HostStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-db-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(SqliteDatabase.Name)]
    [InlineData(PostgresDatabase.Name)]
    public async Task Placeable_ListsOnlyOnlineHosts_AndNoneWhenNoneIs(string dialect)
    {
        await using var database = dialect == PostgresDatabase.Name
            ? Database.For(await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync(), _directory)
            : Database.For(null, _directory);
        await database.MigrateAsync(CancellationToken.None);
        var store = new HostStore(database);
        Assert.Empty(await store.PlaceableAsync(CancellationToken.None));

        var id = new HostId("host-placeable");
        await store.EnsureLocalAsync(id, new HostCapacity("in-process", "x86_64", 4, 8192, 100), null, 1, CancellationToken.None);
        var host = Assert.Single(await store.PlaceableAsync(CancellationToken.None));
        Assert.Equal((id, HostType.Regular, (TeamId?)null, "in-process", 4L, 8192L, 100L, 0L, 0L),
            (host.Id, host.Type, host.Team, host.Address, host.CpuCores, host.MemoryMb, host.DiskGb, host.ReservedVcpus, host.ReservedMemoryMb));

        Assert.True(await store.TransitionAsync(id, [HostStatus.Online], HostStatus.Draining, 2, CancellationToken.None));
        Assert.Empty(await store.PlaceableAsync(CancellationToken.None));
    }
}
