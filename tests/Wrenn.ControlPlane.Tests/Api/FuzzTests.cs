using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Api.Fuzz;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>
/// Malformed requests over every route of a real server with a real capsule: none is answered
/// 5xx, every error is the contract's JSON, and the server and the capsule are fine afterwards.
/// Its own server: the run leaves teams and users behind, and one capsule is the team's quota, so
/// a request that happens to be a valid create cannot start a second VM.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    // WRENN_FUZZ_SEED replays another run; the seed is in every failure message.
    private static readonly int Seed = int.Parse(Environment.GetEnvironmentVariable("WRENN_FUZZ_SEED") ?? "20261202", CultureInfo.InvariantCulture);

    private WrennServer _server = null!;

    public async Task InitializeAsync() => _server = await WrennServer.StartAsync("--team-max-capsules", "1");

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task MalformedRequestsOverEveryRoute_AreAnsweredWithJson4xx_AndHarmNothing()
    {
        using var client = _server.Client();
        var id = await client.CreateRunningAsync();
        await client.ExecAsync(id, "echo intact > /root/marker");
        IReadOnlyList<Route> routes = [.. Route.FromOpenApi(await client.GetFromJsonAsync<JsonElement>("/openapi.json")), new("GET", "/health"), new("GET", "/metrics")];

        var report = await FuzzRun.RunAsync(_server.BaseAddress, new MalformedRequests(routes, id, _server.AdminKey, Seed), 1500, _server.DataDirectory);

        Assert.True(report.Violations.Count == 0, $"seed {Seed}: {report.Violations.Count} violations\n{string.Join('\n', report.Violations.Take(15))}");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal("running", (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString());
        Assert.Equal("intact\n", (await client.ExecAsync(id, "cat /root/marker")).GetProperty("stdout").GetString());
    }
}
