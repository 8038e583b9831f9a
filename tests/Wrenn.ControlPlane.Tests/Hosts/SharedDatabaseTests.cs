using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>
/// Two control planes on one PostgreSQL database, with no host of their own, and one agent host
/// with room for one capsule: any request works on either, racing lifecycle steps of one capsule
/// run once, and racing creates never over-commit the host.
/// </summary>
public sealed class SharedDatabaseTests : IAsyncLifetime
{
    private WrennServer _first = null!;
    private WrennServer _second = null!;
    private WrennAgent _agent = null!;

    public async Task InitializeAsync()
    {
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        _first = await WrennServer.StartOnAsync(database, null, "--in-process-host", "false");
        _second = await WrennServer.StartOnAsync(database, _first.AdminKey, "--in-process-host", "false");
        using var admin = await _first.NewUserSessionAsync(admin: true);
        _agent = await WrennAgent.EnrollAsync(_first, admin, "--host-memory-mb", "768", "--templates-dir", Path.Combine(WrennServer.TemplatesDirectory, "agent-a"));
        // Both control planes connect to the agent within a couple of seconds of its registration.
        await Task.Delay(TimeSpan.FromSeconds(3));
    }

    /// <summary>
    /// The first create: a control plane connects to a newly registered agent within seconds, more
    /// on a loaded machine, and answers 503 until then.
    /// </summary>
    private static async Task<string> CreateOnceTheHostIsReachableAsync(HttpClient client)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var reply = await client.PostAsJsonAsync("/v1/capsules", new { });
            if (reply.StatusCode != HttpStatusCode.ServiceUnavailable || watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
                var id = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                await client.WaitForStatusAsync(id, "running");
                return id;
            }

            await Task.Delay(500);
        }
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _agent.DisposeAsync();
    }

    [Fact]
    public async Task EitherControlPlane_ServesTheCapsule_AndRacingStepsRunOnce()
    {
        using var first = _first.Client();
        using var second = _second.Client();
        var id = await CreateOnceTheHostIsReachableAsync(first);
        Assert.True(_agent.Holds(id));
        Assert.Equal($"{id}\n", (await second.ExecAsync(id, "hostname")).GetProperty("stdout").GetString());

        var pauses = await Task.WhenAll(first.PostAsync($"/v1/capsules/{id}/pause", null), second.PostAsync($"/v1/capsules/{id}/pause", null));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], pauses.Select(reply => reply.StatusCode).Order());
        Assert.Equal("paused", (await second.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString());
        Assert.Equal(1, Generation(id));

        var resumes = await Task.WhenAll(first.PostAsync($"/v1/capsules/{id}/resume", null), second.PostAsync($"/v1/capsules/{id}/resume", null));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], resumes.Select(reply => reply.StatusCode).Order());
        await first.WaitForStatusAsync(id, "running");
        Assert.Equal("ok\n", (await first.ExecAsync(id, "echo ok")).GetProperty("stdout").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await second.DeleteAsync($"/v1/capsules/{id}")).StatusCode);
    }

    [Fact]
    public async Task RacingCreates_OnBothControlPlanes_NeverOverCommitTheHost()
    {
        using var first = _first.Client();
        using var second = _second.Client();
        var creates = await Task.WhenAll(first.PostAsJsonAsync("/v1/capsules", new { }), second.PostAsJsonAsync("/v1/capsules", new { }));
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable], creates.Select(reply => reply.StatusCode).Order());
        var created = await creates.Single(reply => reply.StatusCode == HttpStatusCode.Created).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString()!;
        await second.WaitForStatusAsync(id, "running");
        Assert.Equal(HttpStatusCode.NoContent, (await first.DeleteAsync($"/v1/capsules/{id}")).StatusCode);
    }

    /// <summary>The snapshot generation the host recorded for the capsule: how many pauses it ran.</summary>
    private int Generation(string capsuleId)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(_agent.DataDirectory, "capsules", capsuleId, "capsule.json")));
        return state.RootElement.GetProperty("generation").GetInt32();
    }
}
