using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>What a remote host agent does with the control plane, done by the test: a key of its own, a CSR, registration, heartbeats.</summary>
internal sealed class HostAgentDouble : IDisposable
{
    private readonly HttpClient _anonymous;

    public HostAgentDouble(WrennServer server, string address = "192.0.2.10:7443")
    {
        _anonymous = server.Anonymous();
        Address = address;
    }

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string Address { get; }

    public string HostId { get; private set; } = string.Empty;

    public string HostToken { get; private set; } = string.Empty;

    public string RefreshToken { get; private set; } = string.Empty;

    public string Csr() => new CertificateRequest("CN=agent", Key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

    /// <summary>An admin creates a host; returns the create reply.</summary>
    public static async Task<JsonElement> CreateAsync(HttpClient admin, object? body = null)
    {
        var reply = await admin.PostAsJsonAsync("/v1/hosts", body ?? new { type = "regular", provider = "test", availability_zone = "az-1" });
        Assert.True(reply.StatusCode == HttpStatusCode.Created, await reply.Content.ReadAsStringAsync());
        return await reply.Content.ReadFromJsonAsync<JsonElement>();
    }

    public Task<HttpResponseMessage> RegisterAsync(string token, string? csr = null) =>
        _anonymous.PostAsJsonAsync("/v1/hosts/register", new
        {
            token, address = Address, arch = "x86_64", cpu_cores = 8, memory_mb = 16384, disk_gb = 100, csr_pem = csr ?? Csr(),
        });

    /// <summary>Registers with <paramref name="token"/> and keeps the credentials; returns the reply body.</summary>
    public async Task<JsonElement> RegisterOkAsync(string token)
    {
        var reply = await RegisterAsync(token);
        Assert.True(reply.StatusCode == HttpStatusCode.Created, await reply.Content.ReadAsStringAsync());
        var body = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Keep(body);
        return body;
    }

    /// <summary>An admin creates a host and this agent registers it.</summary>
    public async Task<JsonElement> EnrollAsync(HttpClient admin) =>
        await RegisterOkAsync((await CreateAsync(admin)).GetProperty("registration_token").GetString()!);

    public void Keep(JsonElement enrollment)
    {
        HostId = enrollment.GetProperty("host").GetProperty("id").GetString()!;
        HostToken = enrollment.GetProperty("host_token").GetString()!;
        RefreshToken = enrollment.GetProperty("refresh_token").GetString()!;
    }

    public Task<HttpResponseMessage> HeartbeatAsync(string? hostId = null, string? token = null, object? usage = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/hosts/{hostId ?? HostId}/heartbeat")
        {
            Content = usage is null ? null : JsonContent.Create(usage),
        };
        request.Headers.Add("X-Host-Token", token ?? HostToken);
        return _anonymous.SendAsync(request);
    }

    public Task<HttpResponseMessage> RefreshAsync(string refreshToken, string? csr = null) =>
        _anonymous.PostAsJsonAsync("/v1/hosts/auth/refresh", new { refresh_token = refreshToken, csr_pem = csr });

    public void Dispose()
    {
        _anonymous.Dispose();
        Key.Dispose();
    }
}
