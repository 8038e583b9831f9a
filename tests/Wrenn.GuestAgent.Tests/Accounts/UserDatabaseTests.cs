using Wrenn.GuestAgent.Accounts;

namespace Wrenn.GuestAgent.Tests.Accounts;

/// <summary>The user database keeps parsed files between lookups, and never a changed file's old records.</summary>
public sealed class UserDatabaseTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wrenn-users-").FullName;

    private string Passwd => Path.Combine(_root, "passwd");

    private string Group => Path.Combine(_root, "group");

    [Fact]
    public async Task AUserAdded_InPlaceOrByRename_IsFound_AsSoonAsTheFileChanged()
    {
        await File.WriteAllTextAsync(Passwd, "root:x:0:0:root:/root:/bin/sh\n");
        await File.WriteAllTextAsync(Group, "root:x:0:\nusers:x:100:ann\n");
        // Long after the files were written: their versions are settled and kept.
        var database = new UserDatabase(new FixedClock(File.GetLastWriteTimeUtc(Passwd).AddHours(1)), Passwd, Group);
        Assert.Null(database.FindUser("ann"));

        await File.AppendAllTextAsync(Passwd, "ann:x:1000:1000::/home/ann:/bin/bash\n");
        var ann = database.FindUser("ann");

        var replacement = Path.Combine(_root, "passwd.new");
        await File.WriteAllTextAsync(replacement, "root:x:0:0:root:/root:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n");
        File.Move(replacement, Passwd, overwrite: true);

        Assert.NotNull(ann);
        Assert.Equal([100], ann.SupplementaryGids);
        Assert.Equal(1001, database.FindUser("bob")?.Uid);
        Assert.Null(database.FindUser("ann"));
        Assert.Equal("bob", database.UserName(1001));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
