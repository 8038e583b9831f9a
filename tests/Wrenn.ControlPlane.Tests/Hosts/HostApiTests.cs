using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>The hosts API (spec §7.4) on a real server: registration, credentials, heartbeats, access, drain, delete.</summary>
[Collection("server")]
public sealed class HostApiTests(ServerFixture fixture)
{
    [Fact]
    public async Task Create_ShowsTheTokenOnce_RegisterSignsTheCsr_TheTokenWorksOnce()
    {
        using var admin = await fixture.Server.NewUserSessionAsync(admin: true);
        using var agent = new HostAgentDouble(fixture.Server);
        var created = await HostAgentDouble.CreateAsync(admin);
        var token = created.GetProperty("registration_token").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", token);
        var host = created.GetProperty("host");
        var id = host.GetProperty("id").GetString()!;
        Assert.Matches("^host-[0-9a-z]{25}$", id);
        Assert.Equal("pending", host.GetProperty("status").GetString());
        Assert.Equal("regular", host.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, host.GetProperty("address").ValueKind);
        var read = await admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{id}");
        Assert.False(read.TryGetProperty("registration_token", out _));
        Assert.Equal("az-1", read.GetProperty("availability_zone").GetString());

        await (await agent.RegisterAsync(new string('0', 64))).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await agent.RegisterAsync("not a token")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await agent.RegisterAsync(token, csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----"))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");

        var enrollment = await agent.RegisterOkAsync(token);
        Assert.Equal("online", enrollment.GetProperty("host").GetProperty("status").GetString());
        Assert.Equal(agent.Address, enrollment.GetProperty("host").GetProperty("address").GetString());
        Assert.Equal(16384, enrollment.GetProperty("host").GetProperty("memory_mb").GetInt32());
        Assert.True(enrollment.GetProperty("host_token_expires_at").GetDateTimeOffset() > TimeProvider.System.GetUtcNow().AddHours(23));

        // The certificate carries the agent's own key, the host id, the address as SAN and serverAuth, and chains to the CA.
        using var certificate = X509Certificate2.CreateFromPem(enrollment.GetProperty("cert_pem").GetString());
        using var ca = X509Certificate2.CreateFromPem(enrollment.GetProperty("ca_cert_pem").GetString());
        Assert.Equal("CN=" + id, certificate.Subject);
        Assert.Equal(agent.Key.ExportSubjectPublicKeyInfo(), certificate.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Contains("192.0.2.10", certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses().Select(ip => ip.ToString()));
        Assert.Equal("1.3.6.1.5.5.7.3.1", Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Value);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificate), string.Join(", ", chain.ChainStatus.Select(status => status.StatusInformation)));

        await (await agent.RegisterAsync(token)).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await admin.PostAsync($"/v1/hosts/{id}/token", null)).AssertErrorAsync(HttpStatusCode.Conflict, "invalid_state");
    }

    [Fact]
    public async Task NewToken_ReplacesThePendingHostsToken()
    {
        using var admin = await fixture.Server.NewUserSessionAsync(admin: true);
        using var agent = new HostAgentDouble(fixture.Server);
        var created = await HostAgentDouble.CreateAsync(admin);
        var id = created.GetProperty("host").GetProperty("id").GetString();
        var renewed = await admin.PostAsync($"/v1/hosts/{id}/token", null);
        Assert.Equal(HttpStatusCode.Created, renewed.StatusCode);
        var token = (await renewed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("registration_token").GetString()!;
        await (await agent.RegisterAsync(created.GetProperty("registration_token").GetString()!)).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await agent.RegisterOkAsync(token);
    }

    [Fact]
    public async Task Register_ValidatesTheBody_WithoutSpendingTheToken()
    {
        using var admin = await fixture.Server.NewUserSessionAsync(admin: true);
        using var anonymous = fixture.Server.Anonymous();
        var token = (await HostAgentDouble.CreateAsync(admin)).GetProperty("registration_token").GetString()!;
        using var agent = new HostAgentDouble(fixture.Server);
        object[] bad =
        [
            new { token, address = "no-port", arch = "x86_64", cpu_cores = 8, memory_mb = 16384, disk_gb = 100, csr_pem = agent.Csr() },
            new { token, address = "10.0.0.1:70000", arch = "x86_64", cpu_cores = 8, memory_mb = 16384, disk_gb = 100, csr_pem = agent.Csr() },
            new { token, address = "10.0.0.1:7443", arch = "x86_64", cpu_cores = 0, memory_mb = 16384, disk_gb = 100, csr_pem = agent.Csr() },
            new { token, address = "10.0.0.1:7443", arch = "x86_64", cpu_cores = 8, memory_mb = 1, disk_gb = 100, csr_pem = agent.Csr() },
            new { token, address = "10.0.0.1:7443", arch = "x86_64", cpu_cores = 8, memory_mb = 16384, disk_gb = 100 },
            new { token, address = "10.0.0.1:7443", arch = "x86 64", cpu_cores = 8, memory_mb = 16384, disk_gb = 100, csr_pem = agent.Csr() },
        ];
        foreach (var body in bad)
        {
            await (await anonymous.PostAsJsonAsync("/v1/hosts/register", body)).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        }

        using var v6 = new HostAgentDouble(fixture.Server, "[2001:db8::7]:7443");
        var enrollment = await v6.RegisterOkAsync(token);
        using var certificate = X509Certificate2.CreateFromPem(enrollment.GetProperty("cert_pem").GetString());
        Assert.Contains("2001:db8::7", certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses().Select(ip => ip.ToString()));
    }

    [Fact]
    public async Task Heartbeat_AcceptsOnlyTheHostsOwnToken_AndHostTokensGetNothingElse()
    {
        using var admin = await fixture.Server.NewUserSessionAsync(admin: true);
        using var agent = new HostAgentDouble(fixture.Server);
        using var other = new HostAgentDouble(fixture.Server, "wrenn-host-2.example.com:7443");
        await agent.EnrollAsync(admin);
        await other.EnrollAsync(admin);

        Assert.Equal(HttpStatusCode.NoContent, (await agent.HeartbeatAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await agent.HeartbeatAsync(usage: new { capsules_running = 2, memory_mb_used = 1024, disk_gb_used = 3 })).StatusCode);
        await (await agent.HeartbeatAsync(usage: new { capsules_running = -1 })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await agent.HeartbeatAsync(token: other.HostToken)).AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await agent.HeartbeatAsync(token: new string('a', 64))).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await agent.HeartbeatAsync(token: "")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");

        // A host token is no credential anywhere else, not even beside a valid API key.
        using var withHostToken = fixture.Server.Client();
        withHostToken.DefaultRequestHeaders.Add("X-Host-Token", agent.HostToken);
        await (await withHostToken.GetAsync("/v1/capsules")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        using var onlyHostToken = fixture.Server.Anonymous();
        onlyHostToken.DefaultRequestHeaders.Add("X-Host-Token", agent.HostToken);
        await (await onlyHostToken.GetAsync($"/v1/hosts/{agent.HostId}")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/hosts/{other.HostId}")).StatusCode);
        await (await other.HeartbeatAsync()).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.GetAsync($"/v1/hosts/{other.HostId}")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Refresh_RotatesTheTokens_AndSignsANewCsr()
    {
        using var admin = await fixture.Server.NewUserSessionAsync(admin: true);
        using var agent = new HostAgentDouble(fixture.Server);
        await agent.EnrollAsync(admin);
        var oldRefresh = agent.RefreshToken;
        var oldHostToken = agent.HostToken;

        var refreshed = await agent.RefreshAsync(oldRefresh);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var body = await refreshed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, body.GetProperty("cert_pem").ValueKind);
        agent.Keep(body);
        Assert.NotEqual(oldRefresh, agent.RefreshToken);
        Assert.NotEqual(oldHostToken, agent.HostToken);
        Assert.Equal(HttpStatusCode.NoContent, (await agent.HeartbeatAsync()).StatusCode);
        await (await agent.RefreshAsync(oldRefresh)).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");

        var withCsr = await agent.RefreshAsync(agent.RefreshToken, agent.Csr());
        Assert.Equal(HttpStatusCode.OK, withCsr.StatusCode);
        var renewed = await withCsr.Content.ReadFromJsonAsync<JsonElement>();
        using var certificate = X509Certificate2.CreateFromPem(renewed.GetProperty("cert_pem").GetString());
        Assert.Equal("CN=" + agent.HostId, certificate.Subject);
    }

    [Fact]
    public async Task Access_AdminsSeeAllHosts_TeamsTheirByocHosts_OthersNothing()
    {
        using var admin = await fixture.Server.NewUserSessionAsync(admin: true);
        using var user = await fixture.Server.NewUserSessionAsync(admin: false);
        var regular = (await HostAgentDouble.CreateAsync(admin)).GetProperty("host").GetProperty("id").GetString();

        await (await user.PostAsJsonAsync("/v1/hosts", new { type = "regular" })).AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await user.GetAsync($"/v1/hosts/{regular}")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await user.DeleteAsync($"/v1/hosts/{regular}")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await fixture.Client.GetAsync("/v1/hosts")).AssertErrorAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await user.PostAsJsonAsync("/v1/hosts", new { type = "byoc" })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await user.PostAsJsonAsync("/v1/hosts", new { type = "other" })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await user.PostAsJsonAsync("/v1/hosts", new { type = "byoc", team_id = "team-" + new string('0', 25) }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "not_found");

        // The user owns their personal team: they may bring a host of their own and see it (and only it).
        var team = (await user.GetFromJsonAsync<JsonElement>("/v1/me")).GetProperty("team_id").GetString();
        var byoc = (await HostAgentDouble.CreateAsync(user, new { type = "byoc", team_id = team })).GetProperty("host");
        Assert.Equal(team, byoc.GetProperty("team_id").GetString());
        var listed = await user.GetFromJsonAsync<JsonElement>("/v1/hosts");
        Assert.Equal(byoc.GetProperty("id").GetString(), Assert.Single(listed.EnumerateArray()).GetProperty("id").GetString());
        var all = await admin.GetFromJsonAsync<JsonElement>("/v1/hosts");
        Assert.Contains(all.EnumerateArray(), host => host.GetProperty("id").GetString() == regular);
        Assert.Contains(all.EnumerateArray(), host => host.GetProperty("id").GetString() == byoc.GetProperty("id").GetString());

        var audit = await user.GetFromJsonAsync<JsonElement>("/v1/audit-logs?resource_type=host");
        Assert.Equal("host.create", audit.GetProperty("items")[0].GetProperty("action").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/v1/hosts/{byoc.GetProperty("id").GetString()}")).StatusCode);
    }

    [Fact]
    public async Task DrainAndUndrain_ChangeTheStatus_OnlyFromOnline()
    {
        using var admin = await fixture.Server.NewUserSessionAsync(admin: true);
        using var agent = new HostAgentDouble(fixture.Server);
        var pending = (await HostAgentDouble.CreateAsync(admin)).GetProperty("host").GetProperty("id").GetString();
        await (await admin.PostAsJsonAsync($"/v1/hosts/{pending}/drain", new { })).AssertErrorAsync(HttpStatusCode.Conflict, "invalid_state");

        await agent.EnrollAsync(admin);
        var drained = await admin.PostAsJsonAsync($"/v1/hosts/{agent.HostId}/drain", new { pause_running = true });
        Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
        Assert.Equal("draining", (await drained.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await (await admin.PostAsJsonAsync($"/v1/hosts/{agent.HostId}/drain", new { pause_running = "yes" })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        var undrained = await admin.PostAsync($"/v1/hosts/{agent.HostId}/undrain", null);
        Assert.Equal(HttpStatusCode.OK, undrained.StatusCode);
        Assert.Equal("online", (await undrained.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheInProcessHost_IsListedOnline_WithItsIdInTheDataDirectory()
    {
        using var admin = await fixture.Server.NewUserSessionAsync(admin: true);
        var id = (await File.ReadAllTextAsync(Path.Combine(fixture.Server.DataDirectory, "host-id"))).Trim();
        var host = await admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{id}");
        Assert.Equal("online", host.GetProperty("status").GetString());
        Assert.Equal("regular", host.GetProperty("type").GetString());
        Assert.Equal("in-process", host.GetProperty("address").GetString());
        Assert.Equal(Environment.ProcessorCount, host.GetProperty("cpu_cores").GetInt32());
        Assert.True(host.GetProperty("memory_mb").GetInt64() > 0 && host.GetProperty("disk_gb").GetInt64() > 0);
        Assert.Equal(JsonValueKind.String, host.GetProperty("last_heartbeat_at").ValueKind);
    }
}
