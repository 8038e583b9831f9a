using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;
using Wrenn.ControlPlane.Tests.Streams;

namespace Wrenn.ControlPlane.Tests.Capsules;

/// <summary>The state machine's rules (spec §3.3–3.4) on real capsules.</summary>
[Collection("server")]
public sealed class LifecycleRulesTests(ServerFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task AutoPause_AfterIdleTimeout_ButNotWhileBusy()
    {
        var id = await Client.CreateRunningAsync(new { timeout_sec = 4 });
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(8))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await Client.PostAsync($"/v1/capsules/{id}/ping", null)).StatusCode);
            await Task.Delay(1000);
        }

        Assert.Equal("running", (await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString());
        var paused = await Client.WaitForStatusAsync(id, "paused", seconds: 30);
        Assert.Equal("inactivity timeout", paused.GetProperty("status_reason").GetString());
        Assert.Equal(4, paused.GetProperty("timeout_sec").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/v1/capsules/{id}/resume", null)).StatusCode);
        var resumed = await Client.WaitForStatusAsync(id, "running");
        Assert.Equal(JsonValueKind.Null, resumed.GetProperty("status_reason").ValueKind);
        await Client.DeleteAsync($"/v1/capsules/{id}");
    }

    [Fact]
    public async Task ConcurrentPauses_OneWinsOneConflicts_AndIdempotentCreateReturnsTheSameCapsule()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/capsules") { Content = JsonContent.Create(new { timeout_sec = 0 }) };
        request.Headers.Add("Idempotency-Key", "create-once-" + Guid.NewGuid());
        var key = request.Headers.GetValues("Idempotency-Key").Single();
        var first = await (await Client.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
        var id = first.GetProperty("id").GetString()!;
        using var repeat = new HttpRequestMessage(HttpMethod.Post, "/v1/capsules") { Content = JsonContent.Create(new { timeout_sec = 0 }) };
        repeat.Headers.Add("Idempotency-Key", key);
        var again = await Client.SendAsync(repeat);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(id, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        using var different = new HttpRequestMessage(HttpMethod.Post, "/v1/capsules") { Content = JsonContent.Create(new { timeout_sec = 60 }) };
        different.Headers.Add("Idempotency-Key", key);
        await (await Client.SendAsync(different)).AssertErrorAsync(HttpStatusCode.Conflict, "conflict");
        await Client.WaitForStatusAsync(id, "running");

        var pauses = await Task.WhenAll(Client.PostAsync($"/v1/capsules/{id}/pause", null), Client.PostAsync($"/v1/capsules/{id}/pause", null));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], pauses.Select(reply => reply.StatusCode).Order());
        await Client.DeleteAsync($"/v1/capsules/{id}");
    }

    [Fact]
    public async Task Pause_EndsStreamsWith1001_AndTheirProcessesLiveOn()
    {
        var id = await Client.CreateRunningAsync();
        using var socket = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{id}/exec/stream");
        await socket.SendAsync(new { type = "start", cmd = "/bin/sh", args = new[] { "-c", "echo up; sleep 600" }, tag = "survivor" });
        await socket.ReceiveUntilAsync("stdout");
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/v1/capsules/{id}/pause", null)).StatusCode);
        var last = (await socket.ReceiveAllAsync())[^1];
        Assert.Equal("error", last.GetProperty("type").GetString());
        Assert.Equal("capsule paused", last.GetProperty("data").GetString());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);

        await Client.PostAsync($"/v1/capsules/{id}/resume", null);
        await Client.WaitForStatusAsync(id, "running");
        var list = await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}/processes");
        Assert.Contains(list.GetProperty("processes").EnumerateArray(), p => p.GetProperty("tag").GetString() == "survivor");
        await Client.DeleteAsync($"/v1/capsules/{id}");
    }

    [Fact]
    public async Task Snapshot_OfARunningCapsule_KeepsItRunning_AndMakesAForkableTemplate()
    {
        var id = await Client.CreateRunningAsync();
        await Client.ExecAsync(id, "echo from-source > /root/mark");
        var name = "snap-" + Guid.NewGuid().ToString("N")[..8];
        var created = await Client.PostAsJsonAsync("/v1/snapshots", new { sandbox_id = id, name });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var template = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("snapshot", template.GetProperty("type").GetString());
        Assert.False(template.GetProperty("platform").GetBoolean());
        Assert.True(template.GetProperty("size_bytes").GetInt64() > 0);
        Assert.Equal("running", (await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString());
        Assert.Equal("from-source\n", (await Client.ExecAsync(id, "cat /root/mark")).GetProperty("stdout").GetString());

        await (await Client.PostAsJsonAsync("/v1/snapshots", new { sandbox_id = id, name })).AssertErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await Client.PostAsJsonAsync("/v1/snapshots", new { sandbox_id = id, name = "minimal" })).AssertErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await Client.PostAsJsonAsync("/v1/snapshots", new { name })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        var listed = await Client.GetFromJsonAsync<JsonElement>("/v1/snapshots");
        Assert.Contains(listed.EnumerateArray(), t => t.GetProperty("name").GetString() == "minimal" && t.GetProperty("platform").GetBoolean());
        Assert.Contains(listed.EnumerateArray(), t => t.GetProperty("name").GetString() == name);

        var fork = await Client.CreateRunningAsync(new { template = name });
        Assert.Equal("from-source\n", (await Client.ExecAsync(fork, "cat /root/mark")).GetProperty("stdout").GetString());
        Assert.NotEqual(id + "\n", (await Client.ExecAsync(fork, "hostname")).GetProperty("stdout").GetString());

        await (await Client.DeleteAsync("/v1/snapshots/minimal")).AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/v1/snapshots/{name}")).StatusCode);
        await (await Client.DeleteAsync($"/v1/snapshots/{name}")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("from-source\n", (await Client.ExecAsync(fork, "cat /root/mark")).GetProperty("stdout").GetString());
        await Client.DeleteAsync($"/v1/capsules/{fork}");
        await Client.DeleteAsync($"/v1/capsules/{id}");
    }
}
