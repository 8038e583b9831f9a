using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Wrenn.ControlPlane.Builds;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.E2b;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Snapshots;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.E2b;

/// <summary>
/// E2B's REST surface and the edges of its data plane against a test double host: the reply and
/// error shapes its SDKs branch on, and the absolute time to live. (The SDK itself drives real
/// capsules in <see cref="E2bSdkTests"/> and <see cref="E2bHostsTests"/>.)
/// </summary>
public sealed class SandboxApiTests : IAsyncLifetime
{
    private InProcessServer _server = null!;

    public async Task InitializeAsync() => _server = await InProcessServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Create_AnswersASandbox_ThatIsACapsuleOfBothApis()
    {
        using var client = _server.Client();
        var reply = await client.PostAsJsonAsync("/e2b/v2/sandboxes", new { templateID = "minimal", timeout = 60, metadata = new { team = "red" } });

        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        var sandbox = await reply.Content.ReadFromJsonAsync<JsonElement>();
        var id = sandbox.GetProperty("sandboxID").GetString()!;
        Assert.Equal("minimal", sandbox.GetProperty("templateID").GetString());
        Assert.Matches("^[0-9]+\\.[0-9]+\\.[0-9]+$", sandbox.GetProperty("envdVersion").GetString());
        Assert.Equal(64, sandbox.GetProperty("envdAccessToken").GetString()!.Length);
        var capsule = await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}");
        Assert.Equal("running", capsule.GetProperty("status").GetString());
        Assert.Equal(0, capsule.GetProperty("timeout_sec").GetInt32());

        var detail = await client.GetFromJsonAsync<JsonElement>($"/e2b/sandboxes/{id}");
        Assert.Equal("running", detail.GetProperty("state").GetString());
        Assert.Equal("red", detail.GetProperty("metadata").GetProperty("team").GetString());
        Assert.Equal("kill", detail.GetProperty("lifecycle").GetProperty("onTimeout").GetString());
        var ttl = detail.GetProperty("endAt").GetDateTimeOffset() - detail.GetProperty("startedAt").GetDateTimeOffset();
        Assert.InRange(ttl.TotalSeconds, 55, 65);
        var metrics = await client.GetFromJsonAsync<JsonElement>($"/e2b/sandboxes/{id}/metrics?start=0");
        Assert.Equal(JsonValueKind.Array, metrics.ValueKind);
        await AssertE2bErrorAsync(await client.GetAsync($"/e2b/sandboxes/{id}/metrics?start=x"), 400);
    }

    [Fact]
    public async Task Errors_AreE2bsShape_WithTheStatusAsCode()
    {
        using var client = _server.Client();
        await AssertE2bErrorAsync(await client.GetAsync("/e2b/sandboxes/cl-0000000000000000000000000"), 404);
        await AssertE2bErrorAsync(await client.DeleteAsync("/e2b/sandboxes/cl-0000000000000000000000000"), 404);
        await AssertE2bErrorAsync(await client.PostAsJsonAsync("/e2b/v2/sandboxes", new { templateID = "minimal", timeout = 0 }), 400);
        await AssertE2bErrorAsync(await client.PostAsync("/e2b/v2/sandboxes", new StringContent("{", Encoding.UTF8, "application/json")), 400);
        await AssertE2bErrorAsync(await client.GetAsync("/e2b/no/such/route"), 404);
        using var anonymous = new HttpClient { BaseAddress = _server.Address };
        await AssertE2bErrorAsync(await anonymous.GetAsync("/e2b/v2/sandboxes"), 401);
        // The v1 API keeps its own shape.
        await (await client.GetAsync("/v1/capsules/cl-0000000000000000000000000")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task PauseConnectKill_AnswerAsTheSdkExpects()
    {
        using var client = _server.Client();
        var id = await CreateAsync(client, new { templateID = "minimal", timeout = 60 });

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/pause", new { })).StatusCode);
        await AssertE2bErrorAsync(await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/pause", new { }), 409);
        Assert.Equal("paused", (await client.GetFromJsonAsync<JsonElement>($"/e2b/sandboxes/{id}")).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/e2b/v2/sandboxes/{id}/connect", new { timeout = 30 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/connect", new { timeout = 30 })).StatusCode);
        await AssertE2bErrorAsync(await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/resume", new { }), 409);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/e2b/sandboxes/{id}")).StatusCode);
        await AssertE2bErrorAsync(await client.DeleteAsync($"/e2b/sandboxes/{id}"), 404);
        await AssertE2bErrorAsync(await client.GetAsync($"/e2b/sandboxes/{id}"), 404);
        await AssertE2bErrorAsync(await client.PostAsJsonAsync($"/e2b/v2/sandboxes/{id}/connect", new { }), 404);
    }

    [Fact]
    public async Task List_FiltersByStateAndMetadata_AndPagesWithXNextToken()
    {
        using var client = _server.Client();
        var first = await CreateAsync(client, new { templateID = "minimal", metadata = new { app = "a", n = "1" } });
        var second = await CreateAsync(client, new { templateID = "minimal", metadata = new { app = "a", n = "2" } });
        await CreateAsync(client, new { templateID = "minimal", metadata = new { app = "b" } });
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync($"/e2b/sandboxes/{first}/pause", new { })).StatusCode);

        var filter = Uri.EscapeDataString("app=a");
        Assert.Equal([second, first], await IdsAsync(client, $"/e2b/v2/sandboxes?metadata={filter}"));
        Assert.Equal([first], await IdsAsync(client, $"/e2b/v2/sandboxes?metadata={filter}&state=paused"));
        Assert.Equal([second], await IdsAsync(client, $"/e2b/v2/sandboxes?metadata={Uri.EscapeDataString("app=a&n=2")}&state=running,paused"));

        var page = await client.GetAsync($"/e2b/v2/sandboxes?metadata={filter}&limit=1");
        var next = Assert.Single(page.Headers.GetValues("X-Next-Token"));
        Assert.Equal([second], await IdsOfAsync(page));
        var last = await client.GetAsync($"/e2b/v2/sandboxes?metadata={filter}&limit=1&nextToken={next}");
        Assert.Equal([first], await IdsOfAsync(last));
        Assert.False(last.Headers.Contains("X-Next-Token"));
        await AssertE2bErrorAsync(await client.GetAsync("/e2b/v2/sandboxes?state=stopped"), 400);

        Assert.Equal([first, second], await IdsAsync(client, $"/e2b/v2/sandboxes?metadata={filter}&order=asc"));
        Assert.Equal([second, first], await IdsAsync(client, $"/e2b/v2/sandboxes?metadata={filter}&template=minimal"));
        Assert.Empty(await IdsAsync(client, $"/e2b/v2/sandboxes?metadata={filter}&template=unknown-template"));
        var started = (await client.GetFromJsonAsync<JsonElement>($"/e2b/sandboxes/{second}")).GetProperty("startedAt").GetDateTimeOffset();
        Assert.Contains(second, await IdsAsync(client, $"/e2b/v2/sandboxes?metadata={filter}&startedAfter={Uri.EscapeDataString(started.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}"));
        Assert.Empty(await IdsAsync(client, $"/e2b/v2/sandboxes?metadata={filter}&startedAfter={Uri.EscapeDataString(started.AddSeconds(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture))}"));
        await AssertE2bErrorAsync(await client.GetAsync("/e2b/v2/sandboxes?order=sideways"), 400);
        await AssertE2bErrorAsync(await client.GetAsync("/e2b/v2/sandboxes?startedAfter=yesterday"), 400);
        await AssertE2bErrorAsync(await client.GetAsync("/e2b/v2/sandboxes?nextToken=not-a-token"), 400);

        // A page's token still leads on when its last item is gone meanwhile.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/e2b/sandboxes/{second}")).StatusCode);
        Assert.Equal([first], await IdsAsync(client, $"/e2b/v2/sandboxes?metadata={filter}&limit=1&nextToken={next}"));
    }

    [Fact]
    public async Task AtItsTimeToLive_ASandboxIsKilled_OrPausedWithAutoPause()
    {
        using var client = _server.Client();
        var killed = await CreateAsync(client, new { templateID = "minimal", timeout = 300 });
        var paused = await CreateAsync(client, new { templateID = "minimal", timeout = 300, autoPause = true });
        var extended = await CreateAsync(client, new { templateID = "minimal", timeout = 300 });

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync($"/e2b/sandboxes/{killed}/timeout", new { timeout = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync($"/e2b/sandboxes/{paused}/timeout", new { timeout = 1 })).StatusCode);
        // A refresh only extends: the 300 s left stay.
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync($"/e2b/sandboxes/{extended}/refreshes", new { duration = 1 })).StatusCode);

        var stopped = await client.WaitForStatusAsync(killed, "stopped", seconds: 30);
        Assert.Equal("expired", stopped.GetProperty("status_reason").GetString());
        await client.WaitForStatusAsync(paused, "paused", seconds: 30);
        Assert.Equal("running", (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{extended}")).GetProperty("status").GetString());

        // Resumed by any way (here the v1 API), it gets its time to live again instead of ending at once.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{paused}/resume", null)).StatusCode);
        await client.WaitForStatusAsync(paused, "running");
        var end = (await client.GetFromJsonAsync<JsonElement>($"/e2b/sandboxes/{paused}")).GetProperty("endAt").GetDateTimeOffset();
        Assert.True(end > TimeProvider.System.GetUtcNow(), $"the end {end:O} is not ahead after the resume");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("running", (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{paused}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheDataPlane_Answers502ForAnUnknownSandbox_AndRefusesCallsWithoutItsToken()
    {
        using var client = _server.Client();
        var id = await CreateAsync(client, new { templateID = "minimal" });
        using var plane = new HttpClient { BaseAddress = _server.Address };

        using var health = new HttpRequestMessage(HttpMethod.Get, "/health");
        health.Headers.Add("E2b-Sandbox-Id", "cl-0000000000000000000000000");
        var gone = await plane.SendAsync(health);
        Assert.Equal(HttpStatusCode.BadGateway, gone.StatusCode);
        Assert.Equal("cl-0000000000000000000000000", (await gone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sandboxId").GetString());

        using var call = new HttpRequestMessage(HttpMethod.Post, "/process.Process/List") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        call.Headers.Add("E2b-Sandbox-Id", id);
        call.Headers.Add("E2b-Sandbox-Port", "49983");
        call.Headers.Add("X-Access-Token", new string('0', 64));
        var refused = await plane.SendAsync(call);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("unauthenticated", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task AGoneSandboxsUserPort_Answers502AsE2bsProxy_WhileACapsuleOfWrennsKeepsItsOwnError()
    {
        using var client = _server.Client();
        var sandbox = await CreateAsync(client, new { templateID = "minimal" });
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/e2b/sandboxes/{sandbox}")).StatusCode);
        var capsule = (await (await client.PostAsJsonAsync("/v1/capsules", new { template = "minimal" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/capsules/{capsule}")).StatusCode);
        using var plane = new HttpClient { BaseAddress = _server.Address };

        foreach (var byHeaders in new[] { false, true })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            if (byHeaders)
            {
                request.Headers.Add("E2b-Sandbox-Id", sandbox);
                request.Headers.Add("E2b-Sandbox-Port", "8080");
            }
            else
            {
                request.Headers.Host = $"8080-{sandbox}.sandboxes.test";
            }

            var gone = await plane.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadGateway, gone.StatusCode);
            Assert.Equal(sandbox, (await gone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sandboxId").GetString());
        }

        using var wrenns = new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = $"8080-{capsule}.sandboxes.test" } };
        var notFound = await plane.SendAsync(wrenns);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("not_found", (await notFound.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task TheDataPlane_IsCountedInTheHttpMetrics_UnderRoutesOfAFixedSet()
    {
        using var client = _server.Client();
        var id = await CreateAsync(client, new { templateID = "minimal" });
        using var plane = new HttpClient { BaseAddress = _server.Address };
        foreach (var method in new[] { "List", "NoSuchMethodXyz" })
        {
            using var call = new HttpRequestMessage(HttpMethod.Post, "/process.Process/" + method) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            call.Headers.Add("E2b-Sandbox-Id", id);
            Assert.Equal(HttpStatusCode.Unauthorized, (await plane.SendAsync(call)).StatusCode);
        }

        var metrics = await plane.GetStringAsync("/metrics");
        Assert.Contains("wrenn_http_requests_total{method=\"POST\",route=\"envd /process.Process/List\",status=\"401\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("route=\"envd /process.Process/unknown\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("NoSuchMethodXyz", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshots_AndForks_AnswerAsTheSdkExpects()
    {
        using var client = _server.Client();
        var id = await CreateAsync(client, new { templateID = "minimal", timeout = 60, metadata = new { team = "blue" } });

        var taken = await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/snapshots", new { name = "checkpoint" });
        Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
        var snapshot = await taken.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("checkpoint", snapshot.GetProperty("snapshotID").GetString());
        Assert.Equal("checkpoint", snapshot.GetProperty("names")[0].GetString());
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/snapshots", new { name = "checkpoint" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/snapshots", new { })).StatusCode);
        await AssertE2bErrorAsync(await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/snapshots", new { name = "team/name:tag" }), 400);
        await AssertE2bErrorAsync(await client.PostAsJsonAsync("/e2b/sandboxes/cl-0000000000000000000000000/snapshots", new { }), 404);

        var first = await client.GetAsync($"/e2b/snapshots?sandboxID={id}&limit=1");
        var next = first.Headers.GetValues("X-Next-Token").Single();
        var second = await client.GetAsync($"/e2b/snapshots?sandboxID={id}&limit=1&nextToken={next}");
        var names = (await SnapshotIdsAsync(first)).Concat(await SnapshotIdsAsync(second)).ToList();
        Assert.Equal(2, names.Count);
        Assert.Contains("checkpoint", names);
        Assert.False(second.Headers.Contains("X-Next-Token"));
        Assert.Equal(["checkpoint"], await SnapshotIdsAsync(await client.GetAsync("/e2b/snapshots?name=checkpoint")));
        Assert.Empty(await SnapshotIdsAsync(await client.GetAsync("/e2b/snapshots?sandboxID=cl-0000000000000000000000000")));
        _ = await CreateAsync(client, new { templateID = "checkpoint", timeout = 60 });

        var forked = await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/fork", new { count = 2, timeout = 30 });
        Assert.Equal(HttpStatusCode.Created, forked.StatusCode);
        var forks = (await forked.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(fork => fork.GetProperty("sandbox").GetProperty("sandboxID").GetString()!).ToList();
        Assert.Equal(2, forks.Distinct().Count());
        var fork = await client.GetFromJsonAsync<JsonElement>($"/e2b/sandboxes/{forks[0]}");
        Assert.Equal("blue", fork.GetProperty("metadata").GetProperty("team").GetString());
        Assert.InRange((fork.GetProperty("endAt").GetDateTimeOffset() - fork.GetProperty("startedAt").GetDateTimeOffset()).TotalSeconds, 25, 35);
        Assert.Equal(2, (await SnapshotIdsAsync(await client.GetAsync($"/e2b/snapshots?sandboxID={id}"))).Count);
        await AssertE2bErrorAsync(await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/fork", new { count = 0 }), 400);
        await AssertE2bErrorAsync(await client.PostAsJsonAsync("/e2b/sandboxes/cl-0000000000000000000000000/fork", new { }), 404);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/e2b/templates/checkpoint")).StatusCode);
        await AssertE2bErrorAsync(await client.DeleteAsync("/e2b/templates/checkpoint"), 404);
        await AssertE2bErrorAsync(await client.DeleteAsync("/e2b/templates/minimal"), 403);
    }

    [Fact]
    public async Task ListSnapshots_ShowsNeitherForkCapturesNorBuiltTemplates_AndCapturesACrashLeftAreSwept()
    {
        using var client = _server.Client();
        var id = await CreateAsync(client, new { templateID = "minimal" });
        await AssertE2bErrorAsync(await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/snapshots", new { name = TemplateCatalog.ForkCapturePrefix + "mine" }), 409);

        var catalog = _server.Service<TemplateCatalog>();
        var team = (await _server.Service<CapsuleStore>().GetAnyAsync(id, CancellationToken.None))!.TeamId;
        var now = TimeProvider.System.GetUtcNow();
        var leftOver = TemplateCatalog.ForkCapturePrefix + "0000000000000001";
        var starting = TemplateCatalog.ForkCapturePrefix + "0000000000000002";
        foreach (var (name, at) in new[] { (leftOver, now.AddHours(-2)), (starting, now) })
        {
            Assert.True(await catalog.SaveAsync(new TemplateRecord(team, name, "runtime-" + name, 1, 512, 0, at.ToUnixTimeMilliseconds(), SourceCapsule: id), false, CancellationToken.None));
        }

        // A template build's own capsule and the template it made of it.
        var builder = await CreateAsync(client, new { templateID = "minimal" });
        await _server.Service<BuildStore>().InsertAsync(new BuildRecord("bld-1", team, "built", "minimal", "[]", null, 1, 512, 0, 0, "hash", BuildStatuses.Success, 0, 0,
            null, builder, "runtime-built", 0, null, null, null, "system", null, null, now.ToUnixTimeMilliseconds(), null, null), CancellationToken.None);
        Assert.True(await catalog.SaveAsync(new TemplateRecord(team, "built", "runtime-built", 1, 512, 0, now.ToUnixTimeMilliseconds(), SourceCapsule: builder), false, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/e2b/sandboxes/{id}/snapshots", new { name = "taken" })).StatusCode);

        Assert.Equal(["taken"], await SnapshotIdsAsync(await client.GetAsync("/e2b/snapshots")));
        await new ForkCaptureSweep(catalog, _server.Service<SnapshotTemplates>(), TimeProvider.System, NullLogger<ForkCaptureSweep>.Instance).SweepAsync(CancellationToken.None);
        Assert.Null(await catalog.GetAsync(new TeamId(team), leftOver, CancellationToken.None));
        Assert.NotNull(await catalog.GetAsync(new TeamId(team), starting, CancellationToken.None));
    }

    private static async Task<List<string>> SnapshotIdsAsync(HttpResponseMessage reply)
    {
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        return (await reply.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(item => item.GetProperty("snapshotID").GetString()!).ToList();
    }

    private static async Task<string> CreateAsync(HttpClient client, object body)
    {
        var reply = await client.PostAsJsonAsync("/e2b/v2/sandboxes", body);
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        return (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sandboxID").GetString()!;
    }

    private static async Task<List<string>> IdsAsync(HttpClient client, string url) => await IdsOfAsync(await client.GetAsync(url));

    private static async Task<List<string>> IdsOfAsync(HttpResponseMessage reply)
    {
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        return (await reply.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(sandbox => sandbox.GetProperty("sandboxID").GetString()!).ToList();
    }

    private static async Task AssertE2bErrorAsync(HttpResponseMessage reply, int status)
    {
        Assert.Equal(status, (int)reply.StatusCode);
        var body = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, body.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        Assert.False(body.TryGetProperty("error", out _));
    }
}
