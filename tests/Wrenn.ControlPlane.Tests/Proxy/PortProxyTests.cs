using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Proxy;

/// <summary>
/// The port proxy (spec §6) against a real capsule running a small HTTP and WebSocket server bound
/// to the guest's loopback only.
/// </summary>
[Collection("server")]
public sealed class PortProxyTests(ServerFixture fixture) : IAsyncLifetime
{
    private const int GuestPort = 8000;
    private string _id = string.Empty;

    private HttpClient Client => fixture.Client;

    private string ProxyHost => $"{GuestPort}-{_id}.localhost:{fixture.Server.Port}";

    public async Task InitializeAsync() => _id = await Client.CreateRunningAsync(new { template = "base-python" });

    public Task DisposeAsync() => Client.DeleteAsync($"/v1/capsules/{_id}");

    [Fact]
    public async Task Proxy_AnswersNotListeningThenForwardsEverything()
    {
        using var anonymous = fixture.Server.Anonymous();
        var before = await anonymous.SendAsync(Request(HttpMethod.Get, "/headers"));
        await before.AssertErrorAsync(HttpStatusCode.BadGateway, "port_unreachable");
        Assert.Equal("1", before.Headers.GetValues("Retry-After").Single());

        await StartGuestServerAsync();
        var headersRequest = Request(HttpMethod.Get, "/headers");
        headersRequest.Headers.Add("X-API-Key", fixture.Server.AdminKey);
        headersRequest.Headers.Add("Authorization", "Bearer for-the-guest");
        var headers = await (await anonymous.SendAsync(headersRequest)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProxyHost, headers.GetProperty("host").GetString());
        Assert.Equal("127.0.0.1", headers.GetProperty("x-forwarded-for").GetString());
        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("Bearer for-the-guest", headers.GetProperty("authorization").GetString());
        Assert.False(headers.TryGetProperty("x-api-key", out _));

        var post = Request(HttpMethod.Post, "/echo");
        post.Content = new ByteArrayContent("abc123"u8.ToArray());
        Assert.Equal("321cba", await (await anonymous.SendAsync(post)).Content.ReadAsStringAsync());

        var teapot = await anonymous.SendAsync(Request(HttpMethod.Get, "/teapot"));
        Assert.Equal((HttpStatusCode)418, teapot.StatusCode);
        Assert.Equal("short and stout", await teapot.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Proxy_StreamsChunksAsProduced_AndCarriesWebSockets()
    {
        await StartGuestServerAsync();
        using var anonymous = fixture.Server.Anonymous();
        using var streamed = await anonymous.SendAsync(Request(HttpMethod.Get, "/stream"), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await streamed.Content.ReadAsStreamAsync());
        // The guest holds the rest of the response until /release: the first chunk arriving before
        // that proves the proxy streams rather than buffers, with no timing involved.
        Assert.Equal("data: tick 0", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(string.Empty, await reader.ReadLineAsync());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(Request(HttpMethod.Get, "/release"))).StatusCode);
        Assert.Equal("data: tick 1", await reader.ReadLineAsync());
        Assert.Equal(string.Empty, await reader.ReadLineAsync());
        Assert.Equal("data: tick 2", await reader.ReadLineAsync());

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Host", ProxyHost);
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{fixture.Server.Port}/ws"), CancellationToken.None);
        await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("echo:hello", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task Proxy_RefusesBadKeysUnknownAndPausedCapsules_AndCountsAsActivity()
    {
        await StartGuestServerAsync();
        using var anonymous = fixture.Server.Anonymous();
        var badKey = Request(HttpMethod.Get, "/headers");
        badKey.Headers.Add("X-API-Key", "wrn_00000000000000000000000000000000");
        await (await anonymous.SendAsync(badKey)).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var unknown = new HttpRequestMessage(HttpMethod.Get, "/headers");
        unknown.Headers.Host = $"{GuestPort}-cl-0000000000000000000000000.localhost";
        await (await anonymous.SendAsync(unknown)).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");

        var idleBefore = (await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{_id}")).GetProperty("last_active_at").GetDateTimeOffset();
        await Task.Delay(1500);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(Request(HttpMethod.Get, "/headers"))).StatusCode);
        var idleAfter = (await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{_id}")).GetProperty("last_active_at").GetDateTimeOffset();
        Assert.True(idleAfter > idleBefore, "a proxied request did not count as activity");

        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync($"/v1/capsules/{_id}/pause", null)).StatusCode);
        await (await anonymous.SendAsync(Request(HttpMethod.Get, "/headers"))).AssertErrorAsync(HttpStatusCode.Conflict, "invalid_state");

        // Sent while the capsule is resuming: they wait for it and go through.
        var resume = Client.PostAsync($"/v1/capsules/{_id}/resume", null);
        while ((await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{_id}")).GetProperty("status").GetString() == "paused")
        {
            await Task.Delay(10);
        }

        var proxied = anonymous.SendAsync(Request(HttpMethod.Get, "/headers"));
        var exec = Client.ExecAsync(_id, "echo ok");
        Assert.Equal(HttpStatusCode.OK, (await resume).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await proxied).StatusCode);
        Assert.Equal("ok\n", (await exec).GetProperty("stdout").GetString());
    }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Host = ProxyHost;
        return request;
    }

    private async Task StartGuestServerAsync()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("/root/guest_server.py"), "path" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Proxy", "guest_server.py"))), "file", "guest_server.py" },
        };
        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostAsync($"/v1/capsules/{_id}/files/write", form)).StatusCode);
        var started = await Client.PostAsJsonAsync($"/v1/capsules/{_id}/exec",
            new { cmd = "python3", args = new[] { "/root/guest_server.py", GuestPort.ToString(System.Globalization.CultureInfo.InvariantCulture) }, background = true });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        // Python starts slowly under emulation; each probe gets its own short deadline.
        using var anonymous = fixture.Server.Anonymous();
        anonymous.Timeout = TimeSpan.FromSeconds(10);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                if ((await anonymous.SendAsync(Request(HttpMethod.Get, "/headers"))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (TaskCanceledException)
            {
                // A probe that raced the server's start: try again.
            }

            await Task.Delay(200);
        }

        Assert.Fail("the guest server never answered through the proxy");
    }
}
