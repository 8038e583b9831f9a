using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Wrenn.ControlPlane.Tests.Server;

/// <summary>One server shared by the tests of the "server" collection (capsules are cheap, servers are not).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public WrennServer Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await WrennServer.StartAsync();
        Client = Server.Client();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition("server")]
public sealed class SharedServer : ICollectionFixture<ServerFixture>;

/// <summary>Calls the tests make often.</summary>
public static class Api
{
    /// <summary>
    /// Creates a capsule and waits until it runs (the reply may come back while it is still starting);
    /// <paramref name="seconds"/> bounds the wait, longer for a template's first capsule, which builds its snapshot.
    /// </summary>
    public static async Task<string> CreateRunningAsync(this HttpClient client, object? body = null, int seconds = 120)
    {
        var reply = await client.PostAsJsonAsync("/v1/capsules", body ?? new { });
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        var capsule = await reply.Content.ReadFromJsonAsync<JsonElement>();
        var id = capsule.GetProperty("id").GetString()!;
        await client.WaitForStatusAsync(id, "running", seconds);
        return id;
    }

    public static async Task<JsonElement> WaitForStatusAsync(this HttpClient client, string id, string status, int seconds = 120)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var capsule = await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}");
            var current = capsule.GetProperty("status").GetString();
            if (current == status)
            {
                return capsule;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(seconds), $"capsule {id} is {current}, not {status}");
            Assert.True(current is "pending" or "starting" or "running" or "paused", $"capsule {id} ended {current}");
            await Task.Delay(200);
        }
    }

    public static async Task<JsonElement> ExecAsync(this HttpClient client, string id, string script)
    {
        var reply = await client.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "/bin/sh", args = new[] { "-c", script } });
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        return await reply.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Asserts the contract's error shape and code, and returns the error object.</summary>
    public static async Task<JsonElement> AssertErrorAsync(this HttpResponseMessage reply, HttpStatusCode status, string code)
    {
        var text = await reply.Content.ReadAsStringAsync();
        Assert.True(status == reply.StatusCode, $"expected {(int)status}, got {(int)reply.StatusCode}: {text}");
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(reply.Headers.GetValues("X-Request-Id").Single(), error.GetProperty("request_id").GetString());
        return error;
    }
}
