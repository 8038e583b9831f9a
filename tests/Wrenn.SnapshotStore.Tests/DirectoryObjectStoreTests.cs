namespace Wrenn.SnapshotStore.Tests;

public sealed class DirectoryObjectStoreTests : IDisposable
{
    private const string Key = "manifests/capsules/c-1/gen-3.json";
    private readonly StoreDirectory _directory = new();

    private DirectoryObjectStore Store => _directory.Store;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task PutAsync_NewKey_GetStatAndListSeeIt()
    {
        await Store.PutAsync(Key, "hello"u8.ToArray(), CancellationToken.None);

        Assert.Equal("hello"u8.ToArray(), await Store.GetAsync(Key, CancellationToken.None));
        var stored = await Store.StatAsync(Key, CancellationToken.None);
        Assert.Equal(Key, stored?.Key);
        Assert.Equal(5, stored?.Size);
        Assert.InRange(stored!.LastModified, StoreDirectory.Now.AddMinutes(-1), StoreDirectory.Now.AddMinutes(1));
        Assert.Equal([Key], await Keys("manifests/"));
        Assert.Equal([Key], await Keys("manifests/capsules/c-"));
        Assert.Empty(await Keys("chunks/"));
    }

    [Fact]
    public async Task PutAsync_ExistingKey_ReplacesItWholeAndLeavesNoTemporaryFile()
    {
        await Store.PutAsync(Key, "old"u8.ToArray(), CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Store.PutAsync(Key, new byte[1000 + i], CancellationToken.None)));

        var content = await Store.GetAsync(Key, CancellationToken.None);
        Assert.InRange(content!.Length, 1000, 1007);
        Assert.Single(Directory.GetFiles(_directory.StoreRoot, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PutAsync_NewKey_FileIsOwnerOnlyAndSoAreNewDirectories()
    {
        await Store.PutAsync(Key, "x"u8.ToArray(), CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_directory.ObjectPath(Key)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_directory.ObjectPath("manifests/capsules")));
    }

    [Fact]
    public async Task ListAsync_TemporaryFileOfAPutInProgress_IsNotListed()
    {
        await Store.PutAsync(Key, "x"u8.ToArray(), CancellationToken.None);
        await File.WriteAllTextAsync(_directory.ObjectPath(Key) + ".tmp-0123456789ab", "half");

        Assert.Equal([Key], await Keys(""));
    }

    [Fact]
    public async Task GetAndStat_MissingKey_ReturnNull()
    {
        Assert.Null(await Store.GetAsync(Key, CancellationToken.None));
        Assert.Null(await Store.StatAsync(Key, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_LastObjectOfADirectory_RemovesTheEmptyDirectoriesButNotTheRoot()
    {
        await Store.PutAsync(Key, "x"u8.ToArray(), CancellationToken.None);
        await Store.PutAsync("manifests/templates/t.json", "t"u8.ToArray(), CancellationToken.None);

        await Store.DeleteAsync(Key, CancellationToken.None);
        await Store.DeleteAsync(Key, CancellationToken.None);
        await Store.DeleteAsync("chunks/ab/cd", CancellationToken.None);

        Assert.Null(await Store.GetAsync(Key, CancellationToken.None));
        Assert.False(Directory.Exists(_directory.ObjectPath("manifests/capsules")));
        Assert.True(Directory.Exists(_directory.ObjectPath("manifests/templates")));
        await Store.PutAsync(Key, "again"u8.ToArray(), CancellationToken.None);
        Assert.Equal("again"u8.ToArray(), await Store.GetAsync(Key, CancellationToken.None));
    }

    [Fact]
    public async Task TouchAsync_OldObject_IsWrittenNowWithTheSameBytes()
    {
        await Store.PutAsync(Key, "x"u8.ToArray(), CancellationToken.None);
        StoreDirectory.Age(_directory.ObjectPath(Key), TimeSpan.FromDays(3));

        await Store.TouchAsync(Key, CancellationToken.None);

        var stored = await Store.StatAsync(Key, CancellationToken.None);
        Assert.InRange(stored!.LastModified, StoreDirectory.Now.AddMinutes(-1), StoreDirectory.Now.AddMinutes(1));
        Assert.Equal("x"u8.ToArray(), await Store.GetAsync(Key, CancellationToken.None));
    }

    [Fact]
    public async Task TouchAsync_MissingKey_Throws() =>
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.TouchAsync(Key, CancellationToken.None));

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("../outside")]
    [InlineData("manifests/../../outside")]
    [InlineData("manifests/./x")]
    [InlineData("manifests//x")]
    [InlineData("manifests/")]
    [InlineData("Manifests/x")]
    [InlineData("manifests/a b")]
    [InlineData("manifests\\x")]
    [InlineData("manifests/x.tmp-0123")]
    public async Task EveryOperation_UnsafeKey_ThrowsArgumentException(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, "x"u8.ToArray(), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync(key, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.StatAsync(key, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.TouchAsync(key, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key, CancellationToken.None));
    }

    [Theory]
    [InlineData("../")]
    [InlineData("/")]
    [InlineData("a/../")]
    [InlineData("A")]
    public void ListAsync_UnsafePrefix_ThrowsArgumentException(string prefix) =>
        Assert.Throws<ArgumentException>(() => Store.ListAsync(prefix, CancellationToken.None));

    [Fact]
    public async Task EveryOperation_RootMissing_ThrowsStoreUnavailable()
    {
        var store = new DirectoryObjectStore(_directory.ObjectPath("not-mounted"));

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync(Key, "x"u8.ToArray(), CancellationToken.None));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync(Key, CancellationToken.None));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.StatAsync(Key, CancellationToken.None));
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.ListAsync("", CancellationToken.None).ToListAsync());
        Assert.False(Directory.Exists(_directory.ObjectPath("not-mounted")));
    }

    private async Task<List<string>> Keys(string prefix) =>
        await Store.ListAsync(prefix, CancellationToken.None).Select(stored => stored.Key).ToListAsync();
}
