using System.Net;
using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Capsules;

[Collection("server")]
public sealed class CapsulesClientTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task ACapsule_IsCreated_Listed_Paused_Resumed_AndDeleted()
    {
        var capsule = await server.CreateRunningAsync(new CreateCapsuleOptions { TimeoutSec = 600 });
        try
        {
            Assert.Equal(("minimal", 600), (capsule.Template, capsule.TimeoutSec));
            Assert.Contains(await Wrenn.Capsules.ListAsync().ToListAsync(), listed => listed.Id == capsule.Id);

            var paused = await Wrenn.Capsules.PauseAsync(capsule.Id);
            Assert.Equal(CapsuleStatus.Paused, paused.Status);
            Assert.Contains(await Wrenn.Capsules.ListAsync(new CapsuleListOptions { Statuses = [CapsuleStatus.Paused] }).ToListAsync(),
                listed => listed.Id == capsule.Id);

            var resumed = await Wrenn.Capsules.ResumeAsync(capsule.Id);
            Assert.NotEqual(CapsuleStatus.Paused, resumed.Status);
            await Wrenn.Capsules.WaitForStatusAsync(capsule.Id, CapsuleStatus.Running);
            await Wrenn.Capsules.PingAsync(capsule.Id);
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }

        Assert.Equal(CapsuleStatus.Stopped, (await Wrenn.Capsules.GetAsync(capsule.Id)).Status);
        Assert.DoesNotContain(await Wrenn.Capsules.ListAsync().ToListAsync(), listed => listed.Id == capsule.Id);
        Assert.Contains(await Wrenn.Capsules.ListAsync(new CapsuleListOptions { All = true }).ToListAsync(), listed => listed.Id == capsule.Id);
    }

    [Fact]
    public async Task ARepeatedCreate_WithTheSameIdempotencyKey_ReturnsTheFirstCapsule()
    {
        var key = Guid.NewGuid().ToString("N");
        var first = await Wrenn.Capsules.CreateAsync(new CreateCapsuleOptions { IdempotencyKey = key });
        try
        {
            var again = await Wrenn.Capsules.CreateAsync(new CreateCapsuleOptions { IdempotencyKey = key });
            Assert.Equal(first.Id, again.Id);
            var conflict = await Assert.ThrowsAsync<ConflictException>(
                () => Wrenn.Capsules.CreateAsync(new CreateCapsuleOptions { IdempotencyKey = key, TimeoutSec = 5 }));
            Assert.Equal((HttpStatusCode.Conflict, WrennErrorCode.Conflict), (conflict.Status, conflict.Code));
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(first.Id);
        }
    }

    [Fact]
    public async Task Failures_AreTypedByTheirErrorCode_WithTheRequestId()
    {
        var unknown = CapsuleId.Parse("cl-" + new string('0', 25));
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Capsules.GetAsync(unknown));
        Assert.Equal(WrennErrorCode.NotFound, missing.Code);
        Assert.False(string.IsNullOrEmpty(missing.RequestId));

        var invalid = await Assert.ThrowsAsync<InvalidRequestException>(() => Wrenn.Capsules.CreateAsync(new CreateCapsuleOptions { Vcpus = 1000 }));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);

        using var stranger = server.Connect(apiKey: "wrn_" + new string('0', 32));
        await Assert.ThrowsAsync<UnauthorizedException>(() => stranger.Capsules.GetAsync(unknown));
    }

    [Fact]
    public async Task APausedCapsule_RefusesAPause_AsInvalidState()
    {
        var capsule = await server.CreateRunningAsync();
        try
        {
            await Wrenn.Capsules.PauseAsync(capsule.Id);
            var refused = await Assert.ThrowsAsync<InvalidStateException>(() => Wrenn.Capsules.PauseAsync(capsule.Id));
            Assert.Equal(WrennErrorCode.InvalidState, refused.Code);
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }
    }

    [Fact]
    public async Task Cancellation_StopsACallAtOnce()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Wrenn.Capsules.CreateAsync(cancellationToken: cancelled.Token));
    }
}
