using System.Net;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Api;

/// <summary>/health, /metrics and /openapi.json (spec §8).</summary>
[Collection("server")]
public sealed class OperatorTests(ServerFixture fixture)
{
    /// <summary>The committed OpenAPI document; regenerate with WRENN_UPDATE_OPENAPI=1.</summary>
    private static readonly string Committed = Path.Combine(RepositoryRoot(), "docs", "openapi.json");

    [Fact]
    public async Task Health_IsOkWithVersion()
    {
        using var anonymous = fixture.Server.Anonymous();
        var reply = await anonymous.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var body = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("1.0.0", body.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Metrics_ArePrometheusTextWithTheRequiredFamilies()
    {
        using var anonymous = fixture.Server.Anonymous();
        await fixture.Client.GetAsync("/v1/capsules");
        var reply = await anonymous.GetAsync("/metrics");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", reply.Content.Headers.ContentType!.ToString());
        var text = await reply.Content.ReadAsStringAsync();
        foreach (var family in new[]
        {
            "wrenn_build_info{version=\"1.0.0\"} 1", "wrenn_capsules{status=\"running\"}", "wrenn_websocket_connections{kind=\"pty\"}",
            "wrenn_http_requests_total{method=\"GET\",route=\"/v1/capsules\",status=\"200\"}", "wrenn_http_request_duration_seconds_bucket",
            "wrenn_http_request_own_seconds_bucket{method=\"GET\",route=\"/v1/capsules\"", "wrenn_http_capsule_waits_total{method=\"GET\",route=\"/v1/capsules\"} 0",
            "wrenn_hosts{status=\"online\"} 1",
        })
        {
            Assert.Contains(family, text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("cl-", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_CountTheAgentLinkSessionsOfTheHost()
    {
        var id = await fixture.Client.CreateRunningAsync();
        try
        {
            using var anonymous = fixture.Server.Anonymous();
            var text = await anonymous.GetStringAsync("/metrics");
            Assert.Contains("wrenn_agent_link_sessions_total{result=\"success\"}", text, StringComparison.Ordinal);
            Assert.Contains("wrenn_agent_link_open_duration_seconds_bucket", text, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Client.DeleteAsync($"/v1/capsules/{id}");
        }
    }

    [Fact]
    public async Task OpenApi_IsServedAndMatchesTheCommittedDocument()
    {
        using var anonymous = fixture.Server.Anonymous();
        var served = await anonymous.GetStringAsync("/openapi.json");
        var document = JsonDocument.Parse(served).RootElement;
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(document.GetProperty("paths").TryGetProperty("/v1/capsules/{id}/exec", out _));
        if (Environment.GetEnvironmentVariable("WRENN_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(Committed, served);
        }

        Assert.True(File.Exists(Committed) && await File.ReadAllTextAsync(Committed) == served,
            "docs/openapi.json is stale: run `WRENN_UPDATE_OPENAPI=1 make test` (or this test alone) and commit it");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Wrenn.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
