using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Proxy;

/// <summary>
/// A paused capsule created with <c>auto_resume</c> is resumed by the traffic that arrives for it —
/// a proxied request, an exec — which waits for the resume and then goes through; without it, the
/// same traffic is refused with 409 as before (docs/api-notes.md).
/// </summary>
[Collection("server")]
public sealed class AutoResumeTests(ServerFixture fixture)
{
    private const int GuestPort = 8000;

    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task APausedCapsule_WithAutoResume_IsResumedByAProxiedRequest_AndByAnExec()
    {
        var id = await Client.CreateRunningAsync(new { template = "base-python", auto_resume = true });
        try
        {
            Assert.True((await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("auto_resume").GetBoolean());
            await Client.ExecAsync(id, "mkdir -p /root/site && echo served > /root/site/index.txt");
            var server = await Client.PostAsJsonAsync($"/v1/capsules/{id}/exec",
                new { cmd = "python3", args = new[] { "-m", "http.server", "8000", "--bind", "127.0.0.1", "--directory", "/root/site" }, background = true });
            Assert.Equal(HttpStatusCode.Accepted, server.StatusCode);
            using var anonymous = fixture.Server.Anonymous();
            await WaitServedAsync(anonymous, id);

            await PauseAsync(id);
            var proxied = await anonymous.SendAsync(Request(id, "/index.txt"));
            Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
            Assert.Equal("served\n", await proxied.Content.ReadAsStringAsync());
            Assert.Equal("running", (await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString());

            await PauseAsync(id);
            Assert.Equal("served\n", (await Client.ExecAsync(id, "cat /root/site/index.txt")).GetProperty("stdout").GetString());
        }
        finally
        {
            await Client.DeleteAsync($"/v1/capsules/{id}");
        }
    }

    [Fact]
    public async Task APausedCapsule_WithoutAutoResume_StaysPaused()
    {
        var id = await Client.CreateRunningAsync(new { });
        try
        {
            Assert.False((await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("auto_resume").GetBoolean());
            await PauseAsync(id);
            using var anonymous = fixture.Server.Anonymous();

            await (await anonymous.SendAsync(Request(id, "/"))).AssertErrorAsync(HttpStatusCode.Conflict, "invalid_state");
            await (await Client.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "true" })).AssertErrorAsync(HttpStatusCode.Conflict, "invalid_state");
            Assert.Equal("paused", (await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString());
        }
        finally
        {
            await Client.DeleteAsync($"/v1/capsules/{id}");
        }
    }

    private async Task PauseAsync(string id)
    {
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/v1/capsules/{id}/pause", null)).StatusCode);
        Assert.Equal("paused", (await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString());
    }

    private HttpRequestMessage Request(string id, string path) => fixture.Server.Proxied(GuestPort, id, path);

    /// <summary>Python starts slowly under emulation: the proxy answers 502 until it listens.</summary>
    private async Task WaitServedAsync(HttpClient anonymous, string id)
    {
        for (var attempt = 0; attempt < 150; attempt++)
        {
            if ((await anonymous.SendAsync(Request(id, "/index.txt"))).StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail("the guest's HTTP server never answered through the proxy");
    }
}
