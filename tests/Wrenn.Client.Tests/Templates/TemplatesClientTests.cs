using Wrenn.Client.Tests.Server;

namespace Wrenn.Client.Tests.Templates;

[Collection("server")]
public sealed class TemplatesClientTests(ClientServer server)
{
    private WrennClient Wrenn => server.Wrenn;

    [Fact]
    public async Task ThePlatformTemplates_AreListed_AndFilteredByType()
    {
        var minimal = Assert.Single(await Wrenn.Templates.ListAsync(), template => template.Name == "minimal");
        Assert.Equal((TemplateType.Base, true, null, null), (minimal.Type, minimal.Platform, minimal.Vcpus, minimal.MemoryMb));
        Assert.True(minimal.SizeBytes > 0);
        Assert.Contains(await Wrenn.Templates.ListAsync(TemplateType.Base), template => template.Name == "minimal");
        Assert.All(await Wrenn.Templates.ListAsync(TemplateType.Snapshot), template => Assert.Equal(TemplateType.Snapshot, template.Type));
        await Assert.ThrowsAsync<ForbiddenException>(() => Wrenn.Templates.DeleteAsync("minimal"));
        await Assert.ThrowsAsync<NotFoundException>(() => Wrenn.Templates.DeleteAsync("no-such-template"));
    }

    [Fact]
    public async Task ACapsule_IsSnapshotted_IntoATemplate_ThatCanBeReplaced_AndDeleted()
    {
        var capsule = await server.CreateRunningAsync(new CreateCapsuleOptions { MemoryMb = 256 });
        try
        {
            var template = await Wrenn.Templates.CreateSnapshotAsync(capsule.Id, "sdk-snapshot");
            Assert.Equal(("sdk-snapshot", TemplateType.Snapshot, false, 256), (template.Name, template.Type, template.Platform, template.MemoryMb));
            Assert.Equal(CapsuleStatus.Running, (await Wrenn.Capsules.GetAsync(capsule.Id)).Status);

            var taken = await Assert.ThrowsAsync<ConflictException>(() => Wrenn.Templates.CreateSnapshotAsync(capsule.Id, "sdk-snapshot"));
            Assert.Equal(WrennErrorCode.Conflict, taken.Code);
            var replaced = await Wrenn.Templates.CreateSnapshotAsync(capsule.Id, "sdk-snapshot", overwrite: true);
            Assert.True(replaced.CreatedAt >= template.CreatedAt);
            await Assert.ThrowsAsync<ConflictException>(() => Wrenn.Templates.CreateSnapshotAsync(capsule.Id, "minimal", overwrite: true));

            var generated = await Wrenn.Templates.CreateSnapshotAsync(capsule.Id);
            Assert.StartsWith("template-", generated.Name, StringComparison.Ordinal);
            var snapshots = await Wrenn.Templates.ListAsync(TemplateType.Snapshot);
            Assert.Contains(snapshots, listed => listed.Name == "sdk-snapshot");

            await Wrenn.Templates.DeleteAsync("sdk-snapshot");
            await Wrenn.Templates.DeleteAsync(generated.Name);
            Assert.DoesNotContain(await Wrenn.Templates.ListAsync(), listed => listed.Name == "sdk-snapshot");
        }
        finally
        {
            await Wrenn.Capsules.DeleteAsync(capsule.Id);
        }
    }
}
