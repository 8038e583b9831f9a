using System.Net;
using System.Net.Http.Json;
using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Snapshots;

/// <summary>A deleted team template's files stay while a capsule created from it maps them, and go with the last one.</summary>
[Collection("server")]
public sealed class TemplateFilesTests(ServerFixture fixture)
{
    [Fact]
    public async Task ADeletedTemplatesFiles_StayWhileACapsuleMapsThem_ThenGo()
    {
        var client = fixture.Client;
        var source = await client.CreateRunningAsync();
        var before = TeamTemplateDirectories();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/snapshots", new { sandbox_id = source, name = "files-test" })).StatusCode);
        var files = Assert.Single(TeamTemplateDirectories().Except(before));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/capsules/{source}")).StatusCode);
        var child = await client.CreateRunningAsync(new { template = "files-test" });

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/v1/snapshots/files-test")).StatusCode);
        Assert.True(Directory.Exists(files), "the capsule created from the template still maps its files");

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/capsules/{child}")).StatusCode);
        Assert.False(Directory.Exists(files), "nothing maps the deleted template's files any more");
    }

    private static HashSet<string> TeamTemplateDirectories() =>
        [.. Directory.EnumerateDirectories(WrennServer.TemplatesDirectory, "team-template-*")];
}
