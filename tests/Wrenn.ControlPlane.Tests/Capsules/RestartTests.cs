using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;
using Wrenn.HostAgent.Tests.Network;

namespace Wrenn.ControlPlane.Tests.Capsules;

/// <summary>A server restart, graceful or kill -9, loses nothing (its own server: it gets killed).</summary>
public sealed class RestartTests : IAsyncLifetime
{
    private WrennServer _server = null!;

    public async Task InitializeAsync() => _server = await WrennServer.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task KillNine_ThenRestart_RunningStaysRunningAndPausedResumes()
    {
        using var client = _server.Client();
        var running = await client.CreateRunningAsync();
        var paused = await client.CreateRunningAsync();
        await client.ExecAsync(running, "echo kept > /root/state");
        await client.ExecAsync(paused, "echo also-kept > /root/state");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{paused}/pause", null)).StatusCode);

        await _server.StopAsync(kill: true);
        await _server.RestartAsync();

        Assert.Equal("running", (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{running}")).GetProperty("status").GetString());
        Assert.Equal("kept\n", (await client.ExecAsync(running, "cat /root/state")).GetProperty("stdout").GetString());
        Assert.Equal("paused", (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{paused}")).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{paused}/resume", null)).StatusCode);
        await client.WaitForStatusAsync(paused, "running");
        Assert.Equal("also-kept\n", (await client.ExecAsync(paused, "cat /root/state")).GetProperty("stdout").GetString());

        await _server.StopAsync(kill: false);
        await _server.RestartAsync();
        Assert.Equal("kept\n", (await client.ExecAsync(running, "cat /root/state")).GetProperty("stdout").GetString());
    }

    [Fact]
    public async Task KillNine_DuringABuild_FailsTheBuild_AndDeletesItsCapsule_AtTheNextStart()
    {
        using var client = _server.Client();
        var created = await client.PostAsJsonAsync("/v1/builds", new { name = "interrupted", base_template = "minimal", recipe = new[] { "RUN --timeout=10m sleep 600" }, skip_pre_post = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var watch = Stopwatch.StartNew();
        JsonElement build;
        // The build records its capsule's id just before the capsule's row exists (a 404 for a moment).
        while ((build = await client.GetFromJsonAsync<JsonElement>($"/v1/builds/{id}")).GetProperty("sandbox_id").ValueKind == JsonValueKind.Null
            || await client.GetAsync($"/v1/capsules/{build.GetProperty("sandbox_id").GetString()}") is not { StatusCode: HttpStatusCode.OK } reply
            || (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() != "running")
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(3), "the build's capsule never ran");
            await Task.Delay(200);
        }

        await _server.StopAsync(kill: true);
        await _server.RestartAsync();

        build = await client.GetFromJsonAsync<JsonElement>($"/v1/builds/{id}");
        Assert.Equal("failed", build.GetProperty("status").GetString());
        Assert.Equal("interrupted: the server stopped during the build", build.GetProperty("error").GetString());
        var capsule = build.GetProperty("sandbox_id").GetString()!;
        while ((await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{capsule}")).GetProperty("status").GetString() != "stopped")
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(4), "the interrupted build's capsule was not deleted");
            await Task.Delay(200);
        }

        Assert.Empty(_server.VmProcesses());
    }

    [Fact]
    public async Task VmDying_PutsTheCapsuleInError()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync();
        // The VMM of this capsule only, by the pid its QEMU wrote into the capsule's directory.
        Process.GetProcessById(_server.VmmPid(id)).Kill();

        var watch = Stopwatch.StartNew();
        JsonElement capsule;
        do
        {
            await Task.Delay(200);
            capsule = await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}");
        }
        while (capsule.GetProperty("status").GetString() != "error" && watch.Elapsed < TimeSpan.FromSeconds(30));

        Assert.Equal("error", capsule.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(capsule.GetProperty("status_reason").GetString()));
        await (await client.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "true" })).AssertErrorAsync(HttpStatusCode.Conflict, "invalid_state");
        await WaitAsync(() => !Directory.Exists(Path.Combine(_server.DataDirectory, "capsules", id)), "the dead capsule's files are removed");
        Assert.False(HasNetwork(id), "the dead capsule's network namespace is left");
    }

    [Fact]
    public async Task StartWithAFrozenVm_Completes_AndEndsThatCapsuleInErrorWithItsVmStopped()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync();
        var pid = _server.VmmPid(id);
        await _server.StopAsync(kill: true);
        // Frozen: its sockets still accept connections, but nothing ever answers on them.
        await HostTool.RunAsync("kill", "-STOP", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await _server.RestartAsync();

        var capsule = await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}");
        Assert.Equal("error", capsule.GetProperty("status").GetString());
        Assert.Contains("did not answer", capsule.GetProperty("status_reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(_server.VmProcesses());
        Assert.False(Directory.Exists(Path.Combine(_server.DataDirectory, "capsules", id)));
        Assert.False(HasNetwork(id), "the stopped capsule's network namespace is left");
    }

    [Fact]
    public async Task KillNineMidCreate_LeavesNoVmWithoutARunningCapsule()
    {
        using var client = _server.Client();
        var create = client.PostAsJsonAsync("/v1/capsules", new { });
        // The moment the new VM's process exists, before the server has taken it in.
        await WaitAsync(() => Directory.Exists(Path.Combine(_server.DataDirectory, "capsules"))
            && Directory.EnumerateFiles(Path.Combine(_server.DataDirectory, "capsules"), "vmm.pid", SearchOption.AllDirectories).Any(), "a VM starts");
        await _server.StopAsync(kill: true);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => create);

        await _server.RestartAsync();

        await AssertOneVmPerRunningCapsuleAsync(client);
    }

    [Fact]
    public async Task KillNineMidResume_LeavesNoVmWithoutARunningCapsule_AndThePausedCapsuleResumes()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync();
        await client.ExecAsync(id, "echo kept > /root/state");
        var paused = _server.VmmPid(id);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{id}/pause", null)).StatusCode);
        var resume = client.PostAsync($"/v1/capsules/{id}/resume", null);
        await WaitAsync(() => _server.VmProcesses().Count > 0, "the resumed VM starts");
        await _server.StopAsync(kill: true);
        _ = await Record.ExceptionAsync(() => resume);

        await _server.RestartAsync();

        await AssertOneVmPerRunningCapsuleAsync(client);
        if ((await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString() == "paused")
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{id}/resume", null)).StatusCode);
            await client.WaitForStatusAsync(id, "running");
        }

        Assert.NotEqual(paused, _server.VmmPid(id));
        Assert.Equal("kept\n", (await client.ExecAsync(id, "cat /root/state")).GetProperty("stdout").GetString());
    }

    /// <summary>Every VM process of the server belongs to a running capsule, and every running capsule has one; so it is with network namespaces.</summary>
    private async Task AssertOneVmPerRunningCapsuleAsync(HttpClient client)
    {
        var capsules = (await client.GetFromJsonAsync<JsonElement>("/v1/capsules?status=all")).EnumerateArray()
            .Select(capsule => (Id: capsule.GetProperty("id").GetString()!, Running: capsule.GetProperty("status").GetString() == "running")).ToList();
        var running = capsules.Where(capsule => capsule.Running).Select(capsule => _server.VmmPid(capsule.Id)).Order().ToList();
        Assert.Equal(running, _server.VmProcesses().Order().ToList());
        Assert.All(capsules, capsule => Assert.Equal(capsule.Running, HasNetwork(capsule.Id)));
    }

    private static bool HasNetwork(string capsule) => File.Exists("/var/run/netns/wrenn-" + capsule);

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "timed out waiting until " + what);
            await Task.Delay(20);
        }
    }
}
