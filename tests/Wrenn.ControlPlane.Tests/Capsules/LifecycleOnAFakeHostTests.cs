using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Hosts;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Capsules;

/// <summary>The capsule state machine against a test double host: no VM boots, so each rule is quick to check.</summary>
public sealed class LifecycleOnAFakeHostTests : IAsyncLifetime
{
    private InProcessServer _server = null!;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task CreatePauseResumeDelete_FollowTheHost()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync(new { template = "minimal" });
        var created = await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}");
        Assert.Equal("fake-agent", created.GetProperty("metadata").GetProperty("agent_version").GetString());

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{id}/pause", null)).StatusCode);
        Assert.Equal("paused", _server.Host.StatusOf(id));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{id}/resume", null)).StatusCode);
        await client.WaitForStatusAsync(id, "running");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/capsules/{id}")).StatusCode);
        Assert.Null(_server.Host.StatusOf(id));
    }

    [Fact]
    public async Task AFailedPause_LeavesTheCapsuleRunning()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync(new { template = "minimal" });
        _server.Host.FailNextPause = true;

        await (await client.PostAsync($"/v1/capsules/{id}/pause", null)).AssertErrorAsync(HttpStatusCode.BadGateway, "agent_error");
        Assert.Equal("running", (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{id}/pause", null)).StatusCode);
    }

    [Fact]
    public async Task ADamagedSnapshot_EndsTheCapsuleInError()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync(new { template = "minimal" });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{id}/pause", null)).StatusCode);
        _server.Host.CorruptNextResume = true;

        await (await client.PostAsync($"/v1/capsules/{id}/resume", null)).AssertErrorAsync(HttpStatusCode.BadGateway, "snapshot_corrupt");
        var capsule = await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}");
        Assert.Equal("error", capsule.GetProperty("status").GetString());
        Assert.Equal("snapshot unusable", capsule.GetProperty("status_reason").GetString());
        Assert.Null(_server.Host.StatusOf(id));
    }

    [Fact]
    public async Task ACrash_TurnsTheCapsuleToError_AndRemovesIt()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync(new { template = "minimal" });

        _server.Host.Crash(id);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while ((await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString() != "error")
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the crash was not recorded");
            await Task.Delay(50);
        }

        Assert.Null(_server.Host.StatusOf(id));
    }

    [Fact]
    public async Task Create_WhileTheOnlyHostDrains_IsNoHostsAvailable()
    {
        using var client = _server.Client();
        // Draining through the store: the drain route needs a platform admin's session, which API keys are not.
        var hosts = _server.Service<HostStore>();
        var host = Assert.Single(await hosts.ListAsync(null, CancellationToken.None)).HostId;
        Assert.True(await hosts.TransitionAsync(host, [HostStatus.Online], HostStatus.Draining, 0, CancellationToken.None));

        var refused = await client.PostAsJsonAsync("/v1/capsules", new { template = "minimal" });
        Assert.Equal("10", Assert.Single(refused.Headers.GetValues("Retry-After")));
        await refused.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "no_hosts_available");

        Assert.True(await hosts.TransitionAsync(host, [HostStatus.Draining], HostStatus.Online, 0, CancellationToken.None));
        await client.CreateRunningAsync(new { template = "minimal" });
    }

    [Fact]
    public async Task RacingPauses_PauseOnce()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync(new { template = "minimal" });
        var before = _server.Host.Pauses;

        var replies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.PostAsync($"/v1/capsules/{id}/pause", null)));

        Assert.Equal(1, replies.Count(reply => reply.StatusCode == HttpStatusCode.OK));
        Assert.Equal(3, replies.Count(reply => reply.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(before + 1, _server.Host.Pauses);
    }
}
