using System.Formats.Tar;
using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Builds;

[Collection("server")]
public sealed class BuildsClientTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task ABuildWithAnArchive_MakesATemplate_WhileAQueuedBuildIsCancelled()
    {
        using var archive = await ArchiveAsync("greeting.txt", "hello from an archive\n");
        var build = await Wrenn.Builds.CreateAsync(new CreateBuildOptions
        {
            Name = "sdk-built",
            Recipe = ["COPY greeting.txt /etc/greeting.txt", "ENV WHO=sdk", "RUN cat /etc/greeting.txt"],
            SkipPrePost = true,
        }, archive);
        Assert.Equal(("sdk-built", "minimal", false), (build.Name, build.BaseTemplate, build.Platform));
        Assert.False(build.IsFinished);

        // One build runs at a time: this one waits behind the first, and is cancelled before it runs.
        var queued = await Wrenn.Builds.CreateAsync(new CreateBuildOptions { Name = "sdk-cancelled", Recipe = ["RUN --timeout=10m sleep 600"], SkipPrePost = true });
        await Wrenn.Builds.CancelAsync(queued.Id);
        Assert.Equal(BuildStatus.Cancelled, (await Wrenn.Builds.WaitForCompletionAsync(queued.Id)).Status);
        var finished = await Assert.ThrowsAsync<InvalidRequestException>(() => Wrenn.Builds.CancelAsync(queued.Id));
        Assert.Equal(WrennErrorCode.InvalidRequest, finished.Code);

        var done = await Wrenn.Builds.WaitForCompletionAsync(build.Id);
        Assert.True(done.Status == BuildStatus.Success, done.Error);
        Assert.Equal(("sdk-built", 3, "sdk"), (done.Template, done.TotalSteps, done.DefaultEnv["WHO"]));
        Assert.True(done.SizeBytes > 0 && done.DurationMs > 0 && done.CapsuleId is not null && done.CompletedAt is not null);
        var logs = await Wrenn.Builds.GetLogsAsync(build.Id);
        Assert.Equal(done.Logs, logs);
        Assert.Equal((3, BuildPhase.Recipe, "hello from an archive\n", true), (logs[2].Step, logs[2].Phase, logs[2].Stdout, logs[2].Ok));

        var listed = await Wrenn.Builds.ListAsync();
        Assert.Equal([queued.Id, build.Id], listed.Select(item => item.Id).Where(id => id == queued.Id || id == build.Id));
        Assert.All(listed, item => Assert.Null(item.Logs));
        Assert.Contains(await Wrenn.Templates.ListAsync(TemplateType.Snapshot), template => template.Name == "sdk-built");

        await Wrenn.Builds.DeleteAsync(build.Id);
        await Wrenn.Builds.DeleteAsync(queued.Id);
        await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Builds.GetAsync(build.Id));
        await Wrenn.Templates.DeleteAsync("sdk-built");
    }

    [Fact]
    public async Task BadBuilds_AreRefused_WithTypedFailures()
    {
        var unparsed = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            Wrenn.Builds.CreateAsync(new CreateBuildOptions { Name = "sdk-bad", Recipe = ["RUN true", "FROM debian"] }));
        Assert.StartsWith("recipe line 2", unparsed.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ConflictException>(() => Wrenn.Builds.CreateAsync(new CreateBuildOptions { Name = "minimal", Recipe = ["RUN true"] }));
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Wrenn.Builds.CreateAsync(new CreateBuildOptions { Name = "sdk-bad", BaseTemplate = "no-such-base", Recipe = ["RUN true"] }));
        await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Builds.GetAsync(BuildId.Parse("bld-" + new string('0', 25))));

        // Platform builds are for platform admins' sessions: an API key is refused, and so is a plain user.
        var platform = new CreateBuildOptions { Name = "sdk-platform", Recipe = ["RUN true"], Platform = true };
        await Assert.ThrowsAsync<UnauthorizedException>(() => Wrenn.Builds.CreateAsync(platform));
        var (user, _) = await server.NewSessionAsync();
        using (user)
        {
            await Assert.ThrowsAsync<ForbiddenException>(() => user.Builds.CreateAsync(platform));
            await Assert.ThrowsAsync<ForbiddenException>(() => user.Builds.ListAsync(platform: true));
        }

        var (admin, _) = await server.NewSessionAsync(admin: true);
        using (admin)
        {
            Assert.All(await admin.Builds.ListAsync(platform: true), build => Assert.True(build.Platform));
        }
    }

    private static async Task<MemoryStream> ArchiveAsync(string name, string text)
    {
        var archive = new MemoryStream();
        await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) };
            await writer.WriteEntryAsync(entry);
        }

        archive.Position = 0;
        return archive;
    }
}
