using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Capsules;

/// <summary>The capsule routes of spec §4.1–4.7 against a real server and real VMs.</summary>
[Collection("server")]
public sealed class CapsuleApiTests(ServerFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Lifecycle_CreatePauseResumeDelete_KeepsProcessesAndEndsStopped()
    {
        var id = await Client.CreateRunningAsync(new { timeout_sec = 0 });
        var capsule = await Client.GetFromJsonAsync<JsonElement>($"/api/v1/capsules/{id}/");
        Assert.Equal("minimal", capsule.GetProperty("template").GetString());
        Assert.Equal(512, capsule.GetProperty("memory_mb").GetInt32());
        Assert.EndsWith("Z", capsule.GetProperty("created_at").GetString());
        Assert.False(string.IsNullOrEmpty(capsule.GetProperty("metadata").GetProperty("kernel_version").GetString()));

        await Client.ExecAsync(id, "echo 41 > /root/counter; nohup sh -c 'while sleep 1; do :; done' >/dev/null 2>&1 &");
        var paused = await Client.PostAsync($"/v1/capsules/{id}/pause", null);
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal("paused", (await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await (await Client.PostAsync($"/v1/capsules/{id}/pause", null)).AssertErrorAsync(HttpStatusCode.Conflict, "invalid_state");
        await (await Client.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "true" })).AssertErrorAsync(HttpStatusCode.Conflict, "invalid_state");

        var resumed = await Client.PostAsync($"/v1/capsules/{id}/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        await Client.WaitForStatusAsync(id, "running");
        var after = await Client.ExecAsync(id, "echo $(( $(cat /root/counter) + 1 )); pgrep -c -f '[w]hile sleep'");
        Assert.Equal("42\n1\n", after.GetProperty("stdout").GetString());
        await (await Client.PostAsync($"/v1/capsules/{id}/resume", null)).AssertErrorAsync(HttpStatusCode.Conflict, "invalid_state");

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/v1/capsules/{id}")).StatusCode);
        var stopped = await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}");
        Assert.Equal("stopped", stopped.GetProperty("status").GetString());
        Assert.Equal("deleted", stopped.GetProperty("status_reason").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/v1/capsules/{id}")).StatusCode);
        var listed = await Client.GetFromJsonAsync<JsonElement>("/v1/capsules");
        Assert.DoesNotContain(listed.EnumerateArray(), item => item.GetProperty("id").GetString() == id);
    }

    [Theory]
    [InlineData("{\"vcpus\": 99}")]
    [InlineData("{\"memory_mb\": 64}")]
    [InlineData("{\"timeout_sec\": -1}")]
    [InlineData("{\"vcpus\": \"2\"}")]
    [InlineData("[1]")]
    [InlineData("{bad json")]
    [InlineData("{\"template\": \"no/such\"}")]
    public async Task Create_RejectsBadBodies(string body)
    {
        var reply = await Client.PostAsync("/v1/capsules", new StringContent(body));
        await reply.AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Create_UnknownTemplate_IsNotFound()
    {
        var reply = await Client.PostAsJsonAsync("/v1/capsules", new { template = "nothing-here" });
        await reply.AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("/v1/capsules/cl-0000000000000000000000000")]
    [InlineData("/v1/capsules/not-an-id")]
    [InlineData("/v1/nothing")]
    public async Task UnknownIdsAndRoutes_AreNotFound(string path)
    {
        await (await Client.GetAsync(path)).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task WrongMethod_Is405WithAllow()
    {
        var reply = await Client.PutAsync("/v1/capsules", null);
        await reply.AssertErrorAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Contains("GET", reply.Content.Headers.Allow.Concat(reply.Headers.TryGetValues("Allow", out var allow) ? allow : []));
    }

    [Fact]
    public async Task MissingOrUnknownKey_IsUnauthorized()
    {
        using var anonymous = fixture.Server.Anonymous();
        await (await anonymous.GetAsync("/v1/capsules")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        using var wrong = fixture.Server.Client("wrn_00000000000000000000000000000000");
        await (await wrong.GetAsync("/v1/capsules")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task RequestId_IsEchoedOrGenerated()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("X-Request-Id", "abc-123");
        var reply = await Client.SendAsync(request);
        Assert.Equal("abc-123", reply.Headers.GetValues("X-Request-Id").Single());
        var generated = await Client.GetAsync("/health");
        Assert.NotEmpty(generated.Headers.GetValues("X-Request-Id").Single());
    }
}
