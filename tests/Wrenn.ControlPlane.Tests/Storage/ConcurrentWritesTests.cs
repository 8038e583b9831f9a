using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Management;
using Wrenn.ControlPlane.Storage;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Storage;

/// <summary>Checks that must not interleave hold on both databases, also on PostgreSQL where one statement alone is not enough.</summary>
public sealed class ConcurrentWritesTests : IDisposable
{
    private const int Racers = 8;
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-db-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(SqliteDatabase.Name)]
    [InlineData(PostgresDatabase.Name)]
    public async Task CreatesAtOnce_StayWithinTheTeamsCapsuleQuota(string dialect)
    {
        await using var database = await MigratedAsync(dialect);
        var store = new CapsuleStore(database, TimeProvider.System);
        var quotas = new TeamQuotas(MaxCapsules: 2, MaxVcpus: 0, MaxMemoryMb: 0, MaxSnapshotBytes: 0);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Racers).Select(_ => Task.Run(() => store.InsertAsync(Pending(), quotas, 0, new HostRoom("host-test", long.MaxValue / 2, long.MaxValue / 2), CancellationToken.None))));

        Assert.Equal(2, outcomes.Count(outcome => outcome == InsertOutcome.Inserted));
        Assert.Equal(Racers - 2, outcomes.Count(outcome => outcome == InsertOutcome.QuotaExceeded));
    }

    [Theory]
    [InlineData(SqliteDatabase.Name)]
    [InlineData(PostgresDatabase.Name)]
    public async Task SignUpsAtOnce_MakeOneFirstUser_AndOneUserPerEmail(string dialect)
    {
        await using var database = await MigratedAsync(dialect);
        var users = new UserStore(database, TimeProvider.System);

        var created = await Task.WhenAll(Enumerable.Range(0, Racers).Select(index => Task.Run(() =>
            users.CreateAsync($"user{index % 2}@example.com", "User", "hash", admin: false, CancellationToken.None))));

        var made = created.Where(user => user is not null).Select(user => user!.Value.User).ToList();
        Assert.Equal(["user0@example.com", "user1@example.com"], made.Select(user => user.Email).Order(StringComparer.Ordinal));
        Assert.Single(made, user => user.IsAdmin == 1);
    }

    [Theory]
    [InlineData(SqliteDatabase.Name)]
    [InlineData(PostgresDatabase.Name)]
    public async Task CreatesAtOnce_NeverOverCommitAHost(string dialect)
    {
        await using var database = await MigratedAsync(dialect);
        var store = new CapsuleStore(database, TimeProvider.System);
        // Room for three 512 MiB capsules; every racer is of its own team, so only the host's room limits them.
        var room = new HostRoom("host-racing", Vcpus: 100, MemoryMb: 3 * 512);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Racers).Select(racer => Task.Run(() =>
            store.InsertAsync(Pending() with { TeamId = $"team-{racer}", HostId = room.HostId }, TeamQuotas.Unlimited, 0, room, CancellationToken.None))));

        Assert.Equal(3, outcomes.Count(outcome => outcome == InsertOutcome.Inserted));
        Assert.Equal(Racers - 3, outcomes.Count(outcome => outcome == InsertOutcome.NoRoom));
    }

    private static CapsuleRecord Pending() =>
        new(PublicIds.New("cap-"), "team-racing", Statuses.Pending, null, "minimal", 1, 512, 300, 1, null, null, 1, "{}", null, null);

    private async Task<Database> MigratedAsync(string dialect)
    {
        var database = Database.For(dialect == PostgresDatabase.Name ? await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync() : null, _directory);
        await database.MigrateAsync(CancellationToken.None);
        return database;
    }
}
