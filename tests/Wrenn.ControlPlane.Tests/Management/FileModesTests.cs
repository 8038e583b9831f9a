using Wrenn.ControlPlane.Tests.Server;

namespace Wrenn.ControlPlane.Tests.Management;

/// <summary>What the server keeps on disk is readable by its own user only (docs/operations.md, "Files and secrets").</summary>
[Collection("server")]
public sealed class FileModesTests(ServerFixture fixture)
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task TheDataDirectory_TheDatabase_KeysAndCapsuleState_AreTheOwnersOnly()
    {
        var data = fixture.Server.DataDirectory;
        var id = await fixture.Client.CreateRunningAsync();
        try
        {
            Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(data));
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(data, "admin-api-key")));
            foreach (var database in Directory.EnumerateFiles(data, "wrenn.db*"))
            {
                Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(database));
            }

            var capsule = Path.Combine(data, "capsules", id);
            Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(capsule));
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(Path.Combine(capsule, "capsule.json")));
        }
        finally
        {
            await fixture.Client.DeleteAsync($"/v1/capsules/{id}");
        }
    }
}
