using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>
/// Host liveness and deleting a host with capsules, on a server of their own whose liveness
/// threshold is 3 s (checked every second) instead of 30 s, so a silent host is noticed quickly.
/// </summary>
public sealed class HostLivenessTests : IAsyncLifetime
{
    private WrennServer _server = null!;

    public async Task InitializeAsync() => _server = await WrennServer.StartAsync("--host-heartbeat-timeout", "3", "--host-check-interval", "1");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ASilentHost_BecomesUnreachable_AndComesBackWithItsStatus()
    {
        using var admin = await _server.NewUserSessionAsync(admin: true);
        using var agent = new HostAgentDouble(_server);
        await agent.EnrollAsync(admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/v1/hosts/{agent.HostId}/drain", new { })).StatusCode);

        await WaitForStatusAsync(admin, agent.HostId, "unreachable");
        Assert.Equal(HttpStatusCode.NoContent, (await agent.HeartbeatAsync()).StatusCode);
        var back = await admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{agent.HostId}");
        Assert.Equal("draining", back.GetProperty("status").GetString());

        var audit = await admin.GetFromJsonAsync<JsonElement>("/v1/audit-logs?resource_type=host");
        var actions = audit.GetProperty("items").EnumerateArray()
            .Where(entry => entry.GetProperty("resource_id").GetString() == agent.HostId)
            .Select(entry => (entry.GetProperty("action").GetString(), entry.GetProperty("actor_type").GetString())).ToList();
        Assert.Equal([("host.up", "system"), ("host.down", "system"), ("host.create", "user")], actions);

        // The in-process host heartbeats on its own and never goes silent.
        var local = (await File.ReadAllTextAsync(Path.Combine(_server.DataDirectory, "host-id"))).Trim();
        Assert.Equal("online", (await admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{local}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task DeletingAHostWithCapsules_NeedsForce_WhichStopsThem()
    {
        using var admin = await _server.NewUserSessionAsync(admin: true);
        using var client = _server.Client();
        var capsule = await client.CreateRunningAsync();
        var local = (await File.ReadAllTextAsync(Path.Combine(_server.DataDirectory, "host-id"))).Trim();

        var refused = await admin.DeleteAsync($"/v1/hosts/{local}");
        var error = await refused.AssertErrorAsync(HttpStatusCode.Conflict, "host_has_capsules");
        Assert.Contains(capsule, error.GetProperty("capsule_ids").EnumerateArray().Select(id => id.GetString()));
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(capsule, body.GetProperty("capsule_ids").EnumerateArray().Select(id => id.GetString()));
        await (await admin.DeleteAsync($"/v1/hosts/{local}?force=maybe")).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/hosts/{local}?force=true")).StatusCode);
        var stopped = await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{capsule}");
        Assert.Equal("stopped", stopped.GetProperty("status").GetString());
        Assert.Equal("host deleted", stopped.GetProperty("status_reason").GetString());

        // The in-process host is this server's own: its next heartbeat registers it again, same id.
        await WaitForStatusAsync(admin, local, "online");
    }

    private static async Task WaitForStatusAsync(HttpClient admin, string host, string status)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var reply = await admin.GetAsync($"/v1/hosts/{host}");
            if (reply.StatusCode == HttpStatusCode.OK
                && (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == status)
            {
                return;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"host {host} did not become {status}");
            await Task.Delay(250);
        }
    }
}
