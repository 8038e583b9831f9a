using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Guest;

/// <summary>Exec details, processes and the file routes of spec §4.8–4.11 on one real capsule.</summary>
[Collection("server")]
public sealed class FileApiTests(ServerFixture fixture) : IAsyncLifetime
{
    private string _id = string.Empty;

    private HttpClient Client => fixture.Client;

    private string C => $"/v1/capsules/{_id}";

    public async Task InitializeAsync() => _id = await Client.CreateRunningAsync();

    public Task DisposeAsync() => Client.DeleteAsync(C);

    [Fact]
    public async Task WriteReadListStatRemove_RoundTrip()
    {
        var payload = new byte[300_000];
        Random.Shared.NextBytes(payload);
        Assert.Equal(HttpStatusCode.NoContent, (await Upload("files/write", "data/blob.bin", payload, pathFirst: false)).StatusCode);

        var read = await Client.PostAsJsonAsync($"{C}/files/read", new { path = "~/data/blob.bin" });
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(payload.Length, read.Content.Headers.ContentLength);
        Assert.Equal(payload, await read.Content.ReadAsByteArrayAsync());

        var streamed = await Client.PostAsJsonAsync($"{C}/files/stream/read", new { path = "/root/data/blob.bin" });
        Assert.Equal(payload, await streamed.Content.ReadAsByteArrayAsync());

        var list = await Client.PostAsJsonAsync($"{C}/files/list", new { path = "/root/data" });
        var entry = Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries").EnumerateArray());
        Assert.Equal("blob.bin", entry.GetProperty("name").GetString());
        Assert.Equal("/root/data/blob.bin", entry.GetProperty("path").GetString());
        Assert.Equal("file", entry.GetProperty("type").GetString());
        Assert.Equal(payload.Length, entry.GetProperty("size").GetInt64());
        Assert.Equal("-rw-r--r--", entry.GetProperty("permissions").GetString());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("symlink_target").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await Client.PostAsJsonAsync($"{C}/files/remove", new { path = "/root/data" })).StatusCode);
        await (await Client.PostAsJsonAsync($"{C}/files/read", new { path = "/root/data/blob.bin" })).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task StreamWrite_NeedsPathFirst_AndExecSeesTheFile()
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("line\n", 50_000)));
        Assert.Equal(HttpStatusCode.NoContent, (await Upload("files/stream/write", "/tmp/lines.txt", text, pathFirst: true)).StatusCode);
        var count = await Client.ExecAsync(_id, "wc -l < /tmp/lines.txt");
        Assert.Equal("50000\n", count.GetProperty("stdout").GetString());
        await (await Upload("files/stream/write", "/tmp/other.txt", text, pathFirst: false)).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Mkdir_Conflicts_AndErrorsMapToCodes()
    {
        var made = await Client.PostAsJsonAsync($"{C}/files/mkdir", new { path = "/srv/a/b" });
        Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        Assert.Equal("directory", (await made.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entry").GetProperty("type").GetString());
        await (await Client.PostAsJsonAsync($"{C}/files/mkdir", new { path = "/srv/a/b" })).AssertErrorAsync(HttpStatusCode.Conflict, "conflict");
        await (await Client.PostAsJsonAsync($"{C}/files/read", new { path = "/srv/a" })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await Client.PostAsJsonAsync($"{C}/files/remove", new { path = "/" })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await Client.PostAsJsonAsync($"{C}/files/list", new { path = "/srv", depth = 11 })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await Client.PostAsJsonAsync($"{C}/files/list", new { path = "/nowhere" })).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        // A listing of a file is a 404 like a missing path (spec §4.11), not a 400.
        await (await Client.PostAsJsonAsync($"{C}/files/list", new { path = "/etc/hostname" })).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        // So is a lookup through a file.
        await (await Client.PostAsJsonAsync($"{C}/files/read", new { path = "/etc/hostname/inside" })).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
        await (await Client.PostAsJsonAsync($"{C}/files/remove", new { path = "/etc/hostname/inside" })).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Exec_HonoursEnvCwdUserAndTimeout_AndEncodesBinaryOutput()
    {
        var reply = await Client.PostAsJsonAsync($"{C}/exec", new
        {
            cmd = "/bin/sh", args = new[] { "-c", "echo $GREETING $WRENN_CAPSULE_ID; pwd; id -un" },
            envs = new Dictionary<string, string> { ["GREETING"] = "hello" }, cwd = "/tmp", user = "nobody",
        });
        var result = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"hello {_id}\n/tmp\nnobody\n", result.GetProperty("stdout").GetString());

        var binary = await Client.ExecAsync(_id, "printf '\\377\\376'");
        Assert.Equal("base64", binary.GetProperty("encoding").GetString());
        Assert.Equal(Convert.ToBase64String([0xff, 0xfe]), binary.GetProperty("stdout").GetString());

        var slow = await Client.PostAsJsonAsync($"{C}/exec", new { cmd = "/bin/sh", args = new[] { "-c", "echo started; sleep 30" }, timeout_sec = 1 });
        var timedOut = await slow.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(124, timedOut.GetProperty("exit_code").GetInt32());
        Assert.True(timedOut.GetProperty("timed_out").GetBoolean());
        Assert.Equal("started\n", timedOut.GetProperty("stdout").GetString());

        await (await Client.PostAsJsonAsync($"{C}/exec", new { cmd = "true", envs = new Dictionary<string, string> { ["1BAD"] = "x" } }))
            .AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        await (await Client.PostAsJsonAsync($"{C}/exec", new { cmd = "true", user = "no-such-user" })).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Processes_ListedAndKilledByTag_DuplicateTagConflicts()
    {
        var started = await Client.PostAsJsonAsync($"{C}/exec", new { cmd = "sleep", args = new[] { "300" }, background = true, tag = "sleeper" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var pid = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pid").GetInt32();
        await (await Client.PostAsJsonAsync($"{C}/exec", new { cmd = "sleep", args = new[] { "1" }, background = true, tag = "sleeper" }))
            .AssertErrorAsync(HttpStatusCode.Conflict, "conflict");
        var list = await Client.GetFromJsonAsync<JsonElement>($"{C}/processes");
        var process = list.GetProperty("processes").EnumerateArray().Single(p => p.GetProperty("tag").GetString() == "sleeper");
        Assert.Equal("background", process.GetProperty("kind").GetString());
        Assert.Equal(pid, process.GetProperty("pid").GetInt32());
        await (await Client.DeleteAsync($"{C}/processes/sleeper?signal=SIGNOPE")).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal(HttpStatusCode.NoContent, (await Client.DeleteAsync($"{C}/processes/{pid}")).StatusCode);
        var after = await Client.GetFromJsonAsync<JsonElement>($"{C}/processes");
        Assert.DoesNotContain(after.GetProperty("processes").EnumerateArray(), p => p.GetProperty("tag").GetString() == "sleeper");
        await (await Client.DeleteAsync($"{C}/processes/sleeper")).AssertErrorAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Metrics_HavePointsWhileRunning_AndRangesAreValidated()
    {
        await Task.Delay(3000);
        var metrics = await Client.GetFromJsonAsync<JsonElement>($"{C}/metrics?range=5m");
        var points = metrics.GetProperty("points").EnumerateArray().ToList();
        Assert.NotEmpty(points);
        Assert.True(points[^1].GetProperty("mem_bytes").GetInt64() > 0);
        Assert.True(points[^1].GetProperty("disk_bytes").GetInt64() > 0);
        await (await Client.GetAsync($"{C}/metrics?range=3m")).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
        var stats = await Client.GetFromJsonAsync<JsonElement>("/v1/capsules/stats?range=5m");
        Assert.True(stats.GetProperty("current").GetProperty("running_count").GetInt32() >= 1);
        Assert.Equal(30, stats.GetProperty("series").GetProperty("labels").GetArrayLength());
        var usage = await Client.GetFromJsonAsync<JsonElement>("/v1/capsules/usage");
        Assert.Equal(30, usage.GetProperty("points").GetArrayLength());
        await (await Client.GetAsync("/v1/capsules/usage?from=2026-01-01&to=2025-01-01")).AssertErrorAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    private async Task<HttpResponseMessage> Upload(string route, string path, byte[] content, bool pathFirst)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        if (pathFirst)
        {
            form.Add(new StringContent(path), "path");
            form.Add(file, "file", "upload.bin");
        }
        else
        {
            form.Add(file, "file", "upload.bin");
            form.Add(new StringContent(path), "path");
        }

        return await Client.PostAsync($"{C}/{route}", form);
    }
}
