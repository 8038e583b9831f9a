using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

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
    public async Task VmDying_PutsTheCapsuleInError()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync();
        // The VMM of this capsule only, by the pid its QEMU wrote into the capsule's directory.
        var pid = int.Parse(await File.ReadAllTextAsync(Path.Combine(_server.DataDirectory, "capsules", id, "vmm.pid")), System.Globalization.CultureInfo.InvariantCulture);
        Process.GetProcessById(pid).Kill();

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
    }
}
