using System.Net.Http.Json;
using System.Text.Json;
using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Streams;

/// <summary>Following a template build's log through the SDK: a small build that fails at its second step (no snapshot is made).</summary>
[Collection("server")]
public sealed class BuildLogTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task ABuildLog_StreamsOutput_Steps_AndTheFinalStatus()
    {
        using var http = server.Server.Client();
        var body = new { name = "sdk-log", base_template = "minimal", recipe = new[] { "RUN echo before; sleep 2", "RUN echo oops >&2; exit 3" }, skip_pre_post = true };
        using var reply = await http.PostAsJsonAsync("/v1/builds", body);
        reply.EnsureSuccessStatusCode();
        var id = BuildId.Parse((await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);

        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var events = await Wrenn.Streams.FollowBuildLogsAsync(id, limit.Token).ToListAsync(limit.Token);
        var steps = events.OfType<BuildStepEnded>().ToList();
        Assert.Equal([1, 2], steps.Select(step => step.Step));
        Assert.Equal(("before\n", true, BuildPhase.Recipe), (steps[0].Stdout, steps[0].Ok, steps[0].Phase));
        Assert.Equal((3, false, "oops\n"), (steps[1].ExitCode, steps[1].Ok, steps[1].Stderr));
        var live = events.OfType<BuildStepOutput>().First(output => output.Step == 1);
        Assert.Equal((OutputStreamKind.Stdout, "before\n"), (live.Stream, live.Text));
        Assert.True(events.IndexOf(live) < events.IndexOf(steps[0]));
        var final = Assert.IsType<BuildStatusChanged>(events[^1]);
        Assert.Equal((BuildStatus.Failed, true), (final.Status, final.IsFinished));
        Assert.Equal("recipe step 2 failed: oops", final.Error);

        await Assert.ThrowsAsync<NotFoundException>(async () => await Wrenn.Streams.FollowBuildLogsAsync(BuildId.Parse("bld-" + new string('0', 25))).ToListAsync());
    }
}
