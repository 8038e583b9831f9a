using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>
/// What an operator switches (docs/operations.md), each against a real server started with it:
/// sign-up, the metrics token, a key for the port proxy, team quotas, per-credential rate limits,
/// and a setting read from the config file. None of these needs a VM.
/// </summary>
public sealed class OperatorSettingsTests
{
    private const string MetricsToken = "a-metrics-token-for-tests";

    [Fact]
    public async Task SignupOff_LetsOnlyTheFirstUserIn()
    {
        await using var server = await WrennServer.StartAsync("--signup", "false");
        using var anonymous = server.Anonymous();

        Assert.Equal(HttpStatusCode.Created, (await anonymous.PostAsJsonAsync("/v1/auth/signup", Account("first@example.com"))).StatusCode);
        await (await anonymous.PostAsJsonAsync("/v1/auth/signup", Account("second@example.com"))).AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task MetricsToken_FromTheConfigFile_IsRequiredByMetrics()
    {
        var config = Path.Combine(Path.GetTempPath(), $"wrenn-config-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""{ "metrics_token": "{{MetricsToken}}" }""");
        try
        {
            await using var server = await WrennServer.StartAsync("--config", config);
            using var anonymous = server.Anonymous();

            await (await anonymous.GetAsync("/metrics")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
            using var withToken = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", MetricsToken) } };
            Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(withToken)).StatusCode);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task ProxyRequiresKey_RefusesAnonymousRequests_BeforeLookingAtTheCapsule()
    {
        await using var server = await WrennServer.StartAsync("--proxy-domain", "capsules.test", "--proxy-requires-key", "true");
        using var anonymous = server.Anonymous();
        // A well-formed capsule id that this server has never seen.
        var target = $"8000-cl-9a3envmv6h3thdhde4t4ufcxb.capsules.test:{server.Port}";

        await (await anonymous.SendAsync(Proxied(target, key: null))).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await anonymous.SendAsync(Proxied(target, server.AdminKey))).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task TeamQuotas_RefuseACreateBeyondThem_WithRetryAfterOnlyWhenWaitingHelps()
    {
        await using var server = await WrennServer.StartAsync("--team-max-vcpus", "1", "--team-max-memory-mb", "512");
        using var client = server.Client();

        // Too large on its own: no retry can succeed.
        foreach (var body in new object[] { new { vcpus = 2 }, new { memory_mb = 640 } })
        {
            var refused = await client.PostAsJsonAsync("/v1/capsules", body);
            await refused.AssertErrorAsync(HttpStatusCode.TooManyRequests, "quota_exceeded");
            Assert.False(refused.Headers.Contains("Retry-After"));
        }

        // Beyond the quota beside a running capsule: it fits once that one stops.
        var running = await client.CreateRunningAsync();
        var beside = await client.PostAsJsonAsync("/v1/capsules", new { });
        await beside.AssertErrorAsync(HttpStatusCode.TooManyRequests, "quota_exceeded");
        Assert.Equal("10", beside.Headers.GetValues("Retry-After").Single());
        await client.DeleteAsync($"/v1/capsules/{running}");
    }

    [Fact]
    public async Task RateLimit_RefusesACredentialPastItsBurst_WithRetryAfter()
    {
        await using var server = await WrennServer.StartAsync("--rate-limit", "0.5", "--rate-burst", "3");
        using var client = server.Client();
        using var anonymous = server.Anonymous();
        Assert.Equal(HttpStatusCode.Created, (await anonymous.PostAsJsonAsync("/v1/auth/signup", Account("ada@example.com"))).StatusCode);
        var login = await anonymous.PostAsJsonAsync("/v1/auth/login", new { email = "ada@example.com", password = "a-long-enough-password" });
        var session = (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("token").GetString();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/capsules")).StatusCode);
        }

        var refused = await client.GetAsync("/v1/capsules");
        await refused.AssertErrorAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture), 1, 2);

        // Another credential has a bucket of its own.
        using var asUser = new HttpRequestMessage(HttpMethod.Get, "/v1/capsules") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", session) } };
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(asUser)).StatusCode);

        // Disposing the server lists its capsules with the admin key: one token must be back by then.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
    }

    private static object Account(string email) => new { email, password = "a-long-enough-password", name = "Ada" };

    private static HttpRequestMessage Proxied(string host, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = host } };
        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        return request;
    }
}
