using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Streams;

/// <summary>The WebSocket protocols of spec §4.10 against one real capsule.</summary>
[Collection("server")]
public sealed class StreamTests(ServerFixture fixture) : IAsyncLifetime
{
    private string _id = string.Empty;

    private HttpClient Client => fixture.Client;

    public async Task InitializeAsync() => _id = await Client.CreateRunningAsync();

    public Task DisposeAsync() => Client.DeleteAsync($"/v1/capsules/{_id}");

    [Fact]
    public async Task ExecStream_StreamsOutputInOrderThenExit()
    {
        using var socket = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/exec/stream");
        await socket.SendAsync(new { type = "start", cmd = "/bin/sh", args = new[] { "-c", "echo one; printf 'd\\303\\251j\\303\\240\\n'; echo two >&2; exit 3" }, tag = "streamed" });
        var messages = await socket.ReceiveAllAsync();
        Assert.Equal("start", messages[0].GetProperty("type").GetString());
        Assert.Equal("streamed", messages[0].GetProperty("tag").GetString());
        Assert.Equal("one\ndéjà\n", TestSocket.Text(messages, "stdout"));
        Assert.Equal("two\n", TestSocket.Text(messages, "stderr"));
        var exit = messages[^1];
        Assert.Equal("exit", exit.GetProperty("type").GetString());
        Assert.Equal(3, exit.GetProperty("exit_code").GetInt32());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task ExecStream_StartFailure_IsOneErrorThenClose()
    {
        using var socket = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/exec/stream");
        await socket.SendAsync(new { type = "start", cmd = "/no/such/binary" });
        var messages = await socket.ReceiveAllAsync();
        Assert.Equal("error", Assert.Single(messages).GetProperty("type").GetString());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task ExecStream_ClientLeaving_KillsTheProcess()
    {
        using (var socket = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/exec/stream"))
        {
            await socket.SendAsync(new { type = "start", cmd = "sleep", args = new[] { "300" }, tag = "left-behind" });
            Assert.Equal("start", (await socket.ReceiveAsync())!.Value.GetProperty("type").GetString());
            await socket.CloseAsync();
        }

        await WaitGoneAsync("left-behind");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ExecStream_ConnectionLost_KillsTheProcess(bool reset)
    {
        // No close frame: the connection just ends (RST, or FIN), as when a client's network goes.
        var tag = reset ? "lost-reset" : "lost-fin";
        using (var socket = await RawSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/exec/stream"))
        {
            await socket.SendAsync(new { type = "start", cmd = "sleep", args = new[] { "100" }, tag });
            Assert.Equal("start", (await socket.ReceiveAsync()).GetProperty("type").GetString());
            socket.Drop(reset);
        }

        await WaitGoneAsync(tag);
    }

    [Fact]
    public async Task ProcessStream_ConnectionLost_LeavesTheProcess()
    {
        var started = await Client.PostAsJsonAsync($"/v1/capsules/{_id}/exec",
            new { cmd = "sleep", args = new[] { "100" }, background = true, tag = "observed-lost" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        using (var socket = await RawSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/processes/observed-lost/stream"))
        {
            Assert.Equal("start", (await socket.ReceiveAsync()).GetProperty("type").GetString());
            socket.Drop(reset: true);
        }

        await Task.Delay(2000);
        Assert.True(await IsListedAsync("observed-lost"));
    }

    [Fact]
    public async Task ProcessStream_ReplaysThenFollowsToExit()
    {
        var started = await Client.PostAsJsonAsync($"/v1/capsules/{_id}/exec",
            new { cmd = "/bin/sh", args = new[] { "-c", "echo early; sleep 2; echo late" }, background = true, tag = "watched" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        using var socket = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/processes/watched/stream");
        var messages = await socket.ReceiveAllAsync();
        Assert.Equal("start", messages[0].GetProperty("type").GetString());
        Assert.Equal("early\nlate\n", TestSocket.Text(messages, "stdout"));
        Assert.Equal(0, messages[^1].GetProperty("exit_code").GetInt32());

        var missing = await Client.GetAsync($"/v1/capsules/{_id}/processes/nobody/stream");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode); // not an upgrade request
    }

    [Fact]
    public async Task Pty_RunsInteractivelyAndSurvivesReattach()
    {
        using (var first = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/pty"))
        {
            await first.SendAsync(new { type = "start", tag = "pty-keep", cols = 100, rows = 30 });
            var started = (await first.ReceiveAsync())!.Value;
            Assert.Equal("started", started.GetProperty("type").GetString());
            Assert.Equal("pty-keep", started.GetProperty("tag").GetString());
            await first.SendAsync(new { type = "input", data = Convert.ToBase64String("stty size; echo mark-$((6*7))\n"u8.ToArray()) });
            await ReadPtyUntilAsync(first, "mark-42");
            await first.SendAsync(new { type = "input", data = "***" });
            var error = await ReadUntilTypeAsync(first, "error");
            Assert.False(error.GetProperty("fatal").GetBoolean());
            await first.SendAsync(new { type = "input", data = Convert.ToBase64String("sleep 1; echo while-away\n"u8.ToArray()) });
            await first.CloseAsync();
        }

        await Task.Delay(2000);
        using var second = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/pty");
        await second.SendAsync(new { type = "connect", tag = "pty-keep" });
        Assert.Equal("started", (await second.ReceiveAsync())!.Value.GetProperty("type").GetString());
        await ReadPtyUntilAsync(second, "while-away");
        await second.SendAsync(new { type = "kill" });
        var exit = await ReadUntilTypeAsync(second, "exit");
        Assert.Equal(137, exit.GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task Pty_ConnectionLost_Detaches()
    {
        using (var socket = await RawSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/pty"))
        {
            await socket.SendAsync(new { type = "start", tag = "pty-lost", cols = 80, rows = 24 });
            Assert.Equal("started", (await socket.ReceiveAsync()).GetProperty("type").GetString());
            socket.Drop(reset: true);
        }

        await Task.Delay(2000);
        using var again = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/pty");
        await again.SendAsync(new { type = "connect", tag = "pty-lost" });
        Assert.Equal("started", (await again.ReceiveAsync())!.Value.GetProperty("type").GetString());
    }

    [Fact]
    public async Task FirstMessageAuth_AcceptsAKey_AndRefusesGarbage()
    {
        using (var socket = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/exec/stream", key: null))
        {
            await socket.SendAsync(new { type = "auth", token = fixture.Server.AdminKey });
            await socket.SendAsync(new { type = "start", cmd = "echo", args = new[] { "authed" } });
            var messages = await socket.ReceiveAllAsync();
            Assert.Equal("authed\n", TestSocket.Text(messages, "stdout"));
        }

        using var refused = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{_id}/exec/stream", key: null);
        await refused.SendAsync(new { type = "auth", token = "wrn_ffffffffffffffffffffffffffffffff" });
        var reply = await refused.ReceiveAllAsync();
        Assert.Equal("error", Assert.Single(reply).GetProperty("type").GetString());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, refused.CloseStatus);
    }

    private static async Task ReadPtyUntilAsync(TestSocket socket, string text)
    {
        var seen = new List<JsonElement>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!TestSocket.PtyText(seen).Contains(text, StringComparison.Ordinal))
        {
            // Application pings come every 30 s: the deadline is the test's, not the socket's.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"no \"{text}\" in: {TestSocket.PtyText(seen)}");
            seen.Add((await socket.ReceiveAsync()) ?? throw new InvalidOperationException("closed before: " + text));
        }
    }

    private static async Task<JsonElement> ReadUntilTypeAsync(TestSocket socket, string type) =>
        (await socket.ReceiveUntilAsync(type))[^1];

    private async Task WaitGoneAsync(string tag)
    {
        for (var i = 0; i < 50; i++)
        {
            if (!await IsListedAsync(tag))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"process {tag} still runs");
    }

    private async Task<bool> IsListedAsync(string tag)
    {
        var list = await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{_id}/processes");
        return list.GetProperty("processes").EnumerateArray().Any(p => p.GetProperty("tag").GetString() == tag);
    }
}
