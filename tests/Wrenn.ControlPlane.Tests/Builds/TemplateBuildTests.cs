using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;
using Wrenn.ControlPlane.Tests.Streams;

namespace Wrenn.ControlPlane.Tests.Builds;

/// <summary>
/// Template builds from recipes in real capsules (docs/builds.md): a build that installs a Debian
/// package, adds a file from its archive and starts a server, whose capsules answer through the
/// proxy at once; the same content built once; failures, cancel and bad input.
/// </summary>
[Collection("server")]
public sealed class TemplateBuildTests(ServerFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task ARecipeBuild_MakesATemplate_WhoseCapsulesServeAtOnce_AndTheSameContentBuildsOnce()
    {
        var build = await CreateAsync("web-server", ServerRecipe.Lines, archive: ServerRecipe.Archive(), healthcheck: ServerRecipe.Healthcheck);
        var done = await WaitFinishedAsync(build);
        Assert.True(done.GetProperty("status").GetString() == "success", done.ToString());
        Assert.Equal("web-server", done.GetProperty("template").GetString());
        Assert.True(done.GetProperty("size_bytes").GetInt64() > 0);
        Assert.True(done.GetProperty("duration_ms").GetInt64() > 0);
        Assert.Equal("wrenn-user", done.GetProperty("default_user").GetString());
        Assert.Equal("hello from a recipe", done.GetProperty("default_env").GetProperty("GREETING").GetString());
        var logs = done.GetProperty("logs").EnumerateArray().ToList();
        Assert.Equal(done.GetProperty("total_steps").GetInt32(), logs.Count);
        Assert.All(logs, log => Assert.True(log.GetProperty("ok").GetBoolean()));
        Assert.Equal(["pre-build", "recipe", "post-build"], logs.Select(log => log.GetProperty("phase").GetString()).Distinct());
        Assert.Equal("stopped", await CapsuleStatusAsync(done.GetProperty("sandbox_id").GetString()!));

        var id = await Client.CreateRunningAsync(new { template = "web-server" });
        try
        {
            // The server was running when the template was frozen: the first request is answered.
            using var request = fixture.Server.Proxied(ServerRecipe.Port, id, "/index.html");
            using var anonymous = fixture.Server.Anonymous();
            using var reply = await anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            Assert.Equal(ServerRecipe.Page, await reply.Content.ReadAsStringAsync());
            Assert.StartsWith("jq-", (await Client.ExecAsync(id, "jq --version")).GetProperty("stdout").GetString(), StringComparison.Ordinal);
            // The template's capsules run commands as its last USER, with its ENV.
            Assert.Equal("wrenn-user /home/wrenn-user hello from a recipe\n",
                (await Client.ExecAsync(id, "echo $(id -un) $HOME $GREETING")).GetProperty("stdout").GetString());
            // The files API agrees: relative paths are in that user's home, and what it creates is the user's.
            using var form = new MultipartFormDataContent
            {
                { new StringContent("notes/todo.txt"), "path" },
                { new ByteArrayContent("written\n"u8.ToArray()), "file", "todo.txt" },
            };
            Assert.Equal(HttpStatusCode.NoContent, (await Client.PostAsync($"/v1/capsules/{id}/files/write", form)).StatusCode);
            Assert.Equal("written\nwrenn-user\nwrenn-user\n/home/wrenn-user\n",
                (await Client.ExecAsync(id, "cat notes/todo.txt && stat -c %U notes notes/todo.txt && pwd")).GetProperty("stdout").GetString());
        }
        finally
        {
            await Client.DeleteAsync($"/v1/capsules/{id}");
        }

        // The same recipe, base and archive: the template is reused under the new name at once.
        var again = await CreateAsync("web-server-again", ServerRecipe.Lines, archive: ServerRecipe.Archive(), healthcheck: ServerRecipe.Healthcheck);
        Assert.Equal("success", again.GetProperty("status").GetString());
        Assert.Equal(build.GetProperty("id").GetString(), again.GetProperty("cached_from").GetString());
        var templates = await Client.GetFromJsonAsync<JsonElement>("/v1/snapshots?type=snapshot");
        Assert.Contains(templates.EnumerateArray(), template => template.GetProperty("name").GetString() == "web-server-again");

        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"/v1/builds/{again.GetProperty("id").GetString()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/v1/builds/{again.GetProperty("id").GetString()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync("/v1/snapshots/web-server-again")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync("/v1/snapshots/web-server")).StatusCode);
    }

    [Fact]
    public async Task AFailingStep_FailsTheBuild_WithItsLog_StreamedLive_AndLeavesNoTemplate()
    {
        // The first step outlasts the socket's connection, so its output is seen live, before the step ends.
        var build = await CreateAsync("never-made", ["RUN echo before; sleep 3", "RUN echo oops >&2; exit 3", "RUN echo never"], skipPrePost: true);
        var id = build.GetProperty("id").GetString()!;
        using var socket = await TestSocket.ConnectAsync(fixture.Server, $"/v1/builds/{id}/logs");
        var messages = await socket.ReceiveAllAsync(seconds: 300);
        var steps = messages.Where(message => message.GetProperty("type").GetString() == "step").ToList();
        var live = messages.FindIndex(message => message.GetProperty("type").GetString() == "output" && message.GetProperty("step").GetInt32() == 1);
        Assert.True(live >= 0 && live < messages.IndexOf(steps[0]), string.Join('\n', messages));
        Assert.Equal("before\n", messages[live].GetProperty("data").GetString());
        Assert.Equal([1, 2], steps.Select(step => step.GetProperty("step").GetInt32()));
        Assert.Equal("before\n", steps[0].GetProperty("stdout").GetString());
        Assert.Equal(3, steps[1].GetProperty("exit").GetInt32());
        Assert.False(steps[1].GetProperty("ok").GetBoolean());
        Assert.Equal("failed", messages[^1].GetProperty("status").GetString());

        var failed = await Client.GetFromJsonAsync<JsonElement>($"/v1/builds/{id}");
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("recipe step 2 failed: oops", failed.GetProperty("error").GetString());
        Assert.Equal(2, failed.GetProperty("logs").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("template").ValueKind);
        Assert.Equal("stopped", await CapsuleStatusAsync(failed.GetProperty("sandbox_id").GetString()!));
        var templates = await Client.GetFromJsonAsync<JsonElement>("/v1/snapshots");
        Assert.DoesNotContain(templates.EnumerateArray(), template => template.GetProperty("name").GetString() == "never-made");
    }

    [Fact]
    public async Task AZipArchive_IsUnpackedLikeATar_AndRelativeWorkdirsNest()
    {
        using var zipped = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(zipped, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry("site/index.html").Open());
            await writer.WriteAsync("zipped\n");
        }

        var build = await CreateAsync("from-zip", ["WORKDIR /srv", "WORKDIR site", "COPY site/index.html .", "RUN cat index.html; pwd"],
            archive: zipped.ToArray(), skipPrePost: true);
        var done = await WaitFinishedAsync(build);
        Assert.True(done.GetProperty("status").GetString() == "success", done.ToString());
        Assert.Equal("zipped\n/srv/site\n", done.GetProperty("logs")[3].GetProperty("stdout").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync("/v1/snapshots/from-zip")).StatusCode);
    }

    [Fact]
    public async Task ACancelledBuild_StopsAndDeletesItsCapsule()
    {
        var build = await CreateAsync("cancelled", ["RUN --timeout=10m sleep 600"], skipPrePost: true);
        var id = build.GetProperty("id").GetString()!;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while ((await Client.GetFromJsonAsync<JsonElement>($"/v1/builds/{id}")).GetProperty("sandbox_id").ValueKind == JsonValueKind.Null)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(3), "the build never started its capsule");
            await Task.Delay(200);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostAsync($"/v1/builds/{id}/cancel", null)).StatusCode);
        var cancelled = await WaitFinishedAsync(build);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        await (await Client.PostAsync($"/v1/builds/{id}/cancel", null)).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        var capsule = cancelled.GetProperty("sandbox_id").GetString()!;
        while (await CapsuleStatusAsync(capsule) != "stopped")
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(4), "the cancelled build's capsule was not deleted");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task APlatformBuild_ByAnAdmin_IsATemplateOfEveryTeam()
    {
        using var admin = await fixture.Server.NewUserSessionAsync(admin: true);
        using var member = await fixture.Server.NewUserSessionAsync(admin: false);
        var body = new { name = "platform-note", base_template = "minimal", recipe = new[] { "RUN echo from the platform > /etc/platform-note" }, skip_pre_post = true };
        await (await member.PostAsJsonAsync("/v1/admin/builds", body)).AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client.PostAsJsonAsync("/v1/admin/builds", body)).StatusCode);

        var created = await admin.PostAsJsonAsync("/v1/admin/builds", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var build = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(build.GetProperty("platform").GetBoolean());
        build = await WaitFinishedAsync(build, admin);

        Assert.True(build.GetProperty("status").GetString() == "success", build.ToString());
        Assert.Contains((await admin.GetFromJsonAsync<JsonElement>("/v1/admin/builds")).EnumerateArray(), listed => listed.GetProperty("id").GetString() == build.GetProperty("id").GetString());

        // Another team sees it as a platform template, creates from it, and can neither take nor delete its name.
        var templates = await Client.GetFromJsonAsync<JsonElement>("/v1/snapshots");
        Assert.True(templates.EnumerateArray().Single(template => template.GetProperty("name").GetString() == "platform-note").GetProperty("platform").GetBoolean());
        var id = await Client.CreateRunningAsync(new { template = "platform-note" });
        try
        {
            Assert.Equal("from the platform\n", (await Client.ExecAsync(id, "cat /etc/platform-note")).GetProperty("stdout").GetString());
        }
        finally
        {
            await Client.DeleteAsync($"/v1/capsules/{id}");
        }

        await (await Client.PostAsJsonAsync("/v1/builds", body)).AssertErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await Client.DeleteAsync("/v1/snapshots/platform-note")).AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task BadInput_IsAClear4xx()
    {
        await (await Client.PostAsJsonAsync("/v1/builds", new { recipe = new[] { "RUN true" } })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await Client.PostAsJsonAsync("/v1/builds", new { name = "x", recipe = Array.Empty<string>() })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        var error = await (await Client.PostAsJsonAsync("/v1/builds", new { name = "x", recipe = new[] { "RUN true", "FROM debian" } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.StartsWith("recipe line 2: unknown instruction", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await (await Client.PostAsJsonAsync("/v1/builds", new { name = "x", recipe = new[] { "RUN true" }, healthcheck = "--interval=soon curl x" }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await Client.PostAsJsonAsync("/v1/builds", new { name = "code-runner-beta", recipe = new[] { "RUN true" } })).AssertErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await Client.PostAsJsonAsync("/v1/builds", new { name = "x", base_template = "no-such", recipe = new[] { "RUN true" } }))
            .AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await Client.GetAsync("/v1/builds/bld-nope")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    private async Task<JsonElement> CreateAsync(string name, string[] recipe, byte[]? archive = null, bool skipPrePost = false, string? healthcheck = null)
    {
        var config = new { name, base_template = "base-python", recipe, skip_pre_post = skipPrePost, healthcheck };
        HttpResponseMessage reply;
        if (archive is null)
        {
            reply = await Client.PostAsJsonAsync("/v1/builds", config);
        }
        else
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent(JsonSerializer.Serialize(config), Encoding.UTF8, "application/json"), "config" },
                { new ByteArrayContent(archive), "archive", "site.tar.gz" },
            };
            reply = await Client.PostAsync("/v1/builds", form);
        }

        Assert.True(reply.StatusCode == HttpStatusCode.Created, await reply.Content.ReadAsStringAsync());
        return await reply.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The build once finished, read with <paramref name="owner"/>'s credentials (the team's key when null).</summary>
    private async Task<JsonElement> WaitFinishedAsync(JsonElement build, HttpClient? owner = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var current = await (owner ?? Client).GetFromJsonAsync<JsonElement>($"/v1/builds/{build.GetProperty("id").GetString()}");
            if (current.GetProperty("status").GetString() is "success" or "failed" or "cancelled")
            {
                return current;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(15), $"the build is still {current.GetProperty("status").GetString()}");
            await Task.Delay(500);
        }
    }

    private async Task<string?> CapsuleStatusAsync(string id) =>
        (await Client.GetFromJsonAsync<JsonElement>($"/v1/capsules/{id}")).GetProperty("status").GetString();
}
