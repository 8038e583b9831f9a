using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Storage;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>
/// Liveness against a database of its own, on a clock the test moves: a silent host's capsules
/// become missing with their status remembered, and come back to it with the host.
/// </summary>
public sealed class HostMonitorTests : IAsyncLifetime
{
    private TemporaryDatabase _temporary = null!;
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-05-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private Database _database = null!;
    private int _sequence;

    public async Task InitializeAsync()
    {
        _temporary = await TemporaryDatabase.CreateAsync();
        _database = _temporary.Database;
    }

    public async Task DisposeAsync() => await _temporary.DisposeAsync();

    [Fact]
    public async Task ASilentHostsCapsulesGoMissing_AndReturnToTheirStatusWithIt()
    {
        var store = new HostStore(_database);
        var monitor = new HostMonitor(store, new AuditLog(_database, _clock, NullLogger<AuditLog>.Instance),
            new ControlPlaneOptions { DataDirectory = _temporary.Directory.FullName }, _clock, NullLogger<HostMonitor>.Instance);
        var returned = new List<HostId>();
        monitor.Returned += returned.Add;
        var host = HostId.New();
        var other = HostId.New();
        foreach (var id in new[] { host, other })
        {
            await store.EnsureLocalAsync(id, new HostCapacity("in-process", "x86_64", 2, 4096, 20), TeamId.New(), Now(), CancellationToken.None);
        }

        string[] statuses = ["starting", "running", "paused", "error", "stopped"];
        foreach (var status in statuses)
        {
            await InsertCapsuleAsync(status, host);
        }

        var elsewhere = await InsertCapsuleAsync("running", other);

        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await monitor.HeartbeatAsync(other, HostUsage.None, CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(11));
        await monitor.CheckAsync(CancellationToken.None);
        Assert.Equal(HostStatus.Unreachable, (await store.GetAsync(host, CancellationToken.None))!.Status);
        Assert.Equal(HostStatus.Online, (await store.GetAsync(other, CancellationToken.None))!.Status);
        Assert.Equal(["missing", "missing", "missing", "error", "stopped"], await StatusesOnAsync(host));
        Assert.Equal("running", await StatusOfAsync(elsewhere));
        Assert.DoesNotContain(await store.PlaceableAsync(CancellationToken.None), candidate => candidate.Id == host);

        Assert.True(await monitor.HeartbeatAsync(host, HostUsage.None, CancellationToken.None));
        Assert.Equal(HostStatus.Online, (await store.GetAsync(host, CancellationToken.None))!.Status);
        Assert.Equal(statuses, await StatusesOnAsync(host));
        Assert.Equal([host], returned);

        var reserved = (await store.PlaceableAsync(CancellationToken.None)).Single(candidate => candidate.Id == host);
        Assert.Equal(2, reserved.ReservedVcpus);
        Assert.Equal(1024, reserved.ReservedMemoryMb);
        Assert.False(await monitor.HeartbeatAsync(HostId.New(), HostUsage.None, CancellationToken.None));
    }

    private long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private async Task<string> InsertCapsuleAsync(string status, HostId host)
    {
        var id = "cl-" + PublicIds.New(string.Empty);
        await using var connection = await _database.OpenAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO capsules (id, team_id, status, template, vcpus, memory_mb, timeout_sec, created_at, last_updated, metadata, host_id)
            VALUES (@Id, 'team-x', @Status, 'minimal', 1, 512, 0, @Now, @Now, '{}', @Host)
            """, new { Id = id, Status = status, Now = Now() + _sequence++, Host = host.Value });
        return id;
    }

    private async Task<string[]> StatusesOnAsync(HostId host)
    {
        await using var connection = await _database.OpenAsync();
        return (await connection.QueryAsync<string>("SELECT status FROM capsules WHERE host_id = @Host ORDER BY created_at", new { Host = host.Value })).ToArray();
    }

    private async Task<string> StatusOfAsync(string capsule)
    {
        await using var connection = await _database.OpenAsync();
        return await connection.ExecuteScalarAsync<string>("SELECT status FROM capsules WHERE id = @Id", new { Id = capsule }) ?? string.Empty;
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
