using Microsoft.Extensions.Time.Testing;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;

namespace Wrenn.ControlPlane.Tests.Capsules;

/// <summary>
/// A wait for a start ends when this process records it, not at the next poll, and a start that
/// another control plane records is still found by the poll. The clock is a fake one that moves only
/// when told to, so no poll fires unless a test advances it.
/// </summary>
public sealed class StartingCapsulesTests : IDisposable
{
    private const string Team = "team-starting";
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan TestLimit = TimeSpan.FromSeconds(20);
    private readonly string _directory = Directory.CreateTempSubdirectory("wrenn-starting-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-03T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task AWait_EndsAsThisProcessRecordsTheStart_WithNoPoll()
    {
        await using var database = await MigratedAsync();
        var store = new CapsuleStore(database, _time);
        var id = await StartingAsync(store);

        var waiting = StartingCapsules.WaitAsync(store, id, null, Limit, _time, CancellationToken.None);
        await Task.Delay(Settle);
        Assert.False(waiting.IsCompleted);
        Assert.True(await store.TransitionAsync(id, Statuses.Starting, Statuses.Running, null, CancellationToken.None, started: true));

        Assert.Equal(Statuses.Running, (await waiting.WaitAsync(TestLimit))?.Status);
    }

    [Fact]
    public async Task AStartRecordedByAnotherControlPlane_IsFoundByThePoll()
    {
        await using var database = await MigratedAsync();
        var store = new CapsuleStore(database, _time);
        var elsewhere = new CapsuleStore(database, _time);
        var id = await StartingAsync(store);

        var waiting = StartingCapsules.WaitAsync(store, id, new TeamId(Team), Limit, _time, CancellationToken.None);
        await Task.Delay(Settle);
        Assert.True(await elsewhere.TransitionAsync(id, Statuses.Starting, Statuses.Running, null, CancellationToken.None, started: true));
        await Task.Delay(Settle);
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(Statuses.Running, (await waiting.WaitAsync(TestLimit))?.Status);
    }

    [Fact]
    public async Task AWaitThatGivesUp_LeavesTheCapsulesOtherWaitsToBeWoken()
    {
        await using var database = await MigratedAsync();
        var store = new CapsuleStore(database, _time);
        var id = await StartingAsync(store);

        var brief = StartingCapsules.WaitAsync(store, id, null, TimeSpan.FromMilliseconds(500), _time, CancellationToken.None);
        var patient = StartingCapsules.WaitAsync(store, id, null, Limit, _time, CancellationToken.None);
        await Task.Delay(Settle);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Statuses.Starting, (await brief.WaitAsync(TestLimit))?.Status);
        await Task.Delay(Settle);
        Assert.False(patient.IsCompleted);
        Assert.True(await store.TransitionAsync(id, Statuses.Starting, Statuses.Running, null, CancellationToken.None, started: true));

        Assert.Equal(Statuses.Running, (await patient.WaitAsync(TestLimit))?.Status);
    }

    private static async Task<string> StartingAsync(CapsuleStore store)
    {
        var record = new CapsuleRecord(PublicIds.New("cap-"), Team, Statuses.Pending, null, "minimal", 1, 512, 300, 1, null, null, 1, "{}", null, null);
        Assert.Equal(InsertOutcome.Inserted, await store.InsertAsync(record, TeamQuotas.Unlimited, 0, new HostRoom("host-test", 100, 100_000), CancellationToken.None));
        Assert.True(await store.TransitionAsync(record.Id, Statuses.Pending, Statuses.Starting, null, CancellationToken.None));
        return record.Id;
    }

    private async Task<Database> MigratedAsync()
    {
        var database = Database.For(null, _directory);
        await database.MigrateAsync(CancellationToken.None);
        return database;
    }
}
