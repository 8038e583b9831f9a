using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;
using Wrenn.ControlPlane.Tests.Streams;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Tests.Hosts;

/// <summary>
/// A control plane whose own host is drained and two <c>wrenn agent</c> hosts on this machine, each
/// offering room for one 512 MiB capsule: capsules go where there is room, work through a remote
/// host as through the in-process one, survive their agent being killed, and only the control
/// plane may talk to an agent.
/// </summary>
public sealed class RemoteHostTests(RemoteHosts fixture) : IClassFixture<RemoteHosts>
{
    [Fact]
    public async Task ACapsuleOnARemoteHost_WorksAsOnTheLocalOne()
    {
        var client = fixture.Client;
        var id = await client.CreateRunningAsync();
        var agent = fixture.Holding(id);

        var exec = await client.ExecAsync(id, "echo remote-$(hostname)");
        Assert.Equal($"remote-{id}\n", exec.GetProperty("stdout").GetString());

        var payload = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(payload);
        using (var upload = new MultipartFormDataContent { { new StringContent("/root/blob"), "path" }, { new ByteArrayContent(payload), "file", "blob" } })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync($"/v1/capsules/{id}/files/stream/write", upload)).StatusCode);
        }

        var read = await client.PostAsJsonAsync($"/v1/capsules/{id}/files/stream/read", new { path = "/root/blob" });
        Assert.Equal(payload, await read.Content.ReadAsByteArrayAsync());

        using (var pty = await TestSocket.ConnectAsync(fixture.Server, $"/v1/capsules/{id}/pty"))
        {
            await pty.SendAsync(new { type = "start", tag = "remote-pty", cols = 80, rows = 24 });
            Assert.Equal("started", (await pty.ReceiveAsync())!.Value.GetProperty("type").GetString());
            await pty.SendAsync(new { type = "input", data = Convert.ToBase64String("echo pty-$((6*7)); exit\n"u8.ToArray()) });
            var messages = await pty.ReceiveUntilAsync("exit");
            Assert.Contains("pty-42", TestSocket.PtyText(messages), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{id}/pause", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/v1/capsules/{id}/resume", null)).StatusCode);
        await client.WaitForStatusAsync(id, "running");
        var sum = await client.ExecAsync(id, "wc -c < /root/blob");
        Assert.Equal($"{payload.Length}\n", sum.GetProperty("stdout").GetString());
        Assert.True(agent.Holds(id));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/capsules/{id}")).StatusCode);
        Assert.False(agent.Holds(id));
    }

    [Fact]
    public async Task Capsules_GoWhereThereIsRoom_AndNoRoomIs503()
    {
        var client = fixture.Client;
        var first = await client.CreateRunningAsync();
        var second = string.Empty;
        try
        {
            second = await client.CreateRunningAsync();
            Assert.NotSame(fixture.Holding(first), fixture.Holding(second));

            var refused = await client.PostAsJsonAsync("/v1/capsules", new { });
            await refused.AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "no_hosts_available");
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        finally
        {
            await client.DeleteAsync($"/v1/capsules/{first}");
            await client.DeleteAsync($"/v1/capsules/{second}");
        }
    }

    [Fact]
    public async Task AKilledAgent_LeavesItsCapsulesMissing_UntilItComesBack()
    {
        var client = fixture.Client;
        var id = await client.CreateRunningAsync();
        try
        {
            await client.ExecAsync(id, "echo kept > /root/state; nohup sh -c 'while sleep 1; do :; done' >/dev/null 2>&1 &");
            var agent = fixture.Holding(id);

            await agent.KillAsync();
            await WaitUntilAsync(client, id, "missing", TimeSpan.FromSeconds(40));
            await (await client.PostAsJsonAsync($"/v1/capsules/{id}/exec", new { cmd = "true" })).AssertErrorAsync(HttpStatusCode.ServiceUnavailable, "host_unavailable");

            agent.Restart();
            await WaitUntilAsync(client, id, "running", TimeSpan.FromSeconds(60));
            var after = await client.ExecAsync(id, "cat /root/state; pgrep -c -f '[w]hile sleep'");
            Assert.Equal("kept\n1\n", after.GetProperty("stdout").GetString());
        }
        finally
        {
            await client.DeleteAsync($"/v1/capsules/{id}");
        }
    }

    [Fact]
    public async Task TheAgentPort_RefusesAnyoneButTheControlPlane()
    {
        var agent = fixture.Agents[0];
        // No client certificate at all.
        await AssertRefusedAsync(agent, null);
        // A certificate of the control plane's CA, but a host's (server) one: hosts cannot drive each other.
        using var hostCertificate = X509Certificate2.CreateFromPemFile(Path.Combine(agent.DataDirectory, "agent", "cert.pem"), Path.Combine(agent.DataDirectory, "agent", "key.pem"));
        await AssertRefusedAsync(agent, hostCertificate);
    }

    [Fact]
    public async Task AnAgent_WithABadRegistrationToken_DoesNotStart()
    {
        await using var stranger = new WrennAgent(fixture.Server, Directory.CreateTempSubdirectory("wrenn-agent-").FullName, FreePorts.Next(), []);
        Assert.NotEqual(0, await stranger.RunToExitAsync(new string('0', 64)));
        Assert.Contains("401", stranger.Output, StringComparison.Ordinal);
    }

    /// <summary>Waits for <paramref name="status"/>, whatever the capsule goes through meanwhile (missing included).</summary>
    private static async Task WaitUntilAsync(HttpClient client, string id, string status, TimeSpan limit)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string? current;
        while ((current = (await client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString()) != status)
        {
            Assert.True(watch.Elapsed < limit, $"capsule {id} is {current}, not {status}, after {limit.TotalSeconds} s");
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// Connects as <paramref name="certificate"/>: the agent must answer the TLS handshake with the
    /// certificate the control plane's CA issued it (it is up and is who it says), then refuse this
    /// client — TLS 1.3 judges the client's certificate after the handshake, so the refusal shows as
    /// the connection ending at the first request, never as an answer or a silence.
    /// </summary>
    private static async Task AssertRefusedAsync(WrennAgent agent, X509Certificate2? certificate)
    {
        using var authority = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(agent.DataDirectory, "agent", "ca.pem"));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, agent.Port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            ClientCertificates = certificate is null ? null : [certificate],
            RemoteCertificateValidationCallback = (_, presented, _, _) => HostTls.IsIssuedFor(presented as X509Certificate2, authority, HostTls.ServerAuth),
            EnabledSslProtocols = SslProtocols.Tls13,
        });

        var ended = false;
        try
        {
            await tls.WriteAsync(Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
            ended = await tls.ReadAsync(new byte[64]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)) == 0;
        }
        catch (Exception exception) when (exception is IOException or AuthenticationException)
        {
            ended = true;
        }

        Assert.True(ended, "the agent accepted a client that is not the control plane");
    }
}

/// <summary>The control plane and the two agents of <see cref="RemoteHostTests"/>.</summary>
public sealed class RemoteHosts : IAsyncLifetime
{
    public WrennServer Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public IReadOnlyList<WrennAgent> Agents { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Server = await WrennServer.StartAsync();
        Client = Server.Client();
        using var admin = await Server.NewUserSessionAsync(admin: true);
        // Room for one 512 MiB capsule each: placement is seen at work with two VMs at most.
        Agents =
        [
            await WrennAgent.EnrollAsync(Server, admin, "--host-memory-mb", "768", "--templates-dir", Path.Combine(WrennServer.TemplatesDirectory, "agent-a")),
            await WrennAgent.EnrollAsync(Server, admin, "--host-memory-mb", "768", "--templates-dir", Path.Combine(WrennServer.TemplatesDirectory, "agent-b")),
        ];
        var local = (await File.ReadAllTextAsync(Path.Combine(Server.DataDirectory, "host-id"))).Trim();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/v1/hosts/{local}/drain", new { })).StatusCode);
        // The control plane connects to an agent within a couple of seconds of its registration.
        await Task.Delay(TimeSpan.FromSeconds(3));
    }

    /// <summary>The agent whose data directory holds the capsule.</summary>
    public WrennAgent Holding(string capsuleId) => Agents.Single(agent => agent.Holds(capsuleId));

    public async Task DisposeAsync()
    {
        Client.Dispose();
        // The server first: it deletes its capsules through the agents.
        await Server.DisposeAsync();
        foreach (var agent in Agents)
        {
            await agent.DisposeAsync();
        }
    }
}
