using System.Diagnostics;
using System.Security.Cryptography;
using Wrenn.SnapshotStore.Tests.Server;
using Xunit.Abstractions;

namespace Wrenn.SnapshotStore.Tests;

/// <summary><see cref="S3ObjectStore"/> against a real S3 API: OpenStack Swift's s3api.</summary>
public sealed class S3ObjectStoreTests(SwiftFixture swift, ITestOutputHelper output) : IClassFixture<SwiftFixture>
{
    private static CancellationToken None => CancellationToken.None;

    [Fact]
    public async Task Put_ThenGetAndStat_ReturnTheBytes()
    {
        output.WriteLine($"Swift started in {swift.Server.StartupTime.TotalSeconds:0.0} s");
        using var store = swift.Store();
        var content = RandomNumberGenerator.GetBytes(300_000);

        await store.PutAsync("chunks/ab/abcdef", content, None);

        Assert.Equal(content, await store.GetAsync("chunks/ab/abcdef", None));
        var stat = await store.StatAsync("chunks/ab/abcdef", None);
        Assert.NotNull(stat);
        Assert.Equal("chunks/ab/abcdef", stat.Key);
        Assert.Equal(content.Length, stat.Size);
        Assert.InRange(stat.LastModified, TimeProvider.System.GetUtcNow().AddMinutes(-1), TimeProvider.System.GetUtcNow().AddMinutes(1));
    }

    [Fact]
    public async Task Put_OverAnObject_ReplacesIt()
    {
        using var store = swift.Store();
        await store.PutAsync("manifest", "first"u8.ToArray(), None);

        await store.PutAsync("manifest", "second, longer"u8.ToArray(), None);

        Assert.Equal("second, longer"u8.ToArray(), await store.GetAsync("manifest", None));
    }

    [Fact]
    public async Task Put_Empty_IsAnObjectOfSizeZero()
    {
        using var store = swift.Store();

        await store.PutAsync("empty", ReadOnlyMemory<byte>.Empty, None);

        Assert.Empty((await store.GetAsync("empty", None))!);
        Assert.Equal(0, (await store.StatAsync("empty", None))!.Size);
    }

    [Fact]
    public async Task Missing_GetAndStatAreNull_DeleteIsQuiet()
    {
        using var store = swift.Store();

        Assert.Null(await store.GetAsync("nothing/here", None));
        Assert.Null(await store.StatAsync("nothing/here", None));
        await store.DeleteAsync("nothing/here", None);
    }

    [Fact]
    public async Task Delete_RemovesTheObject()
    {
        using var store = swift.Store();
        await store.PutAsync("gone", "x"u8.ToArray(), None);

        await store.DeleteAsync("gone", None);

        Assert.Null(await store.GetAsync("gone", None));
        Assert.Empty(await store.ListAsync("", None).ToListAsync());
    }

    [Fact]
    public async Task List_ReturnsTheKeysUnderThePrefix_WithoutTheStorePrefix()
    {
        using var store = swift.Store();
        await store.PutAsync("chunks/aa/1", new byte[3], None);
        await store.PutAsync("chunks/bb/2", new byte[5], None);
        await store.PutAsync("manifests/m", new byte[7], None);

        var chunks = await store.ListAsync("chunks/", None).ToListAsync();

        Assert.Equal(["chunks/aa/1", "chunks/bb/2"], chunks.Select(item => item.Key).Order());
        Assert.Equal([3L, 5L], chunks.OrderBy(item => item.Key).Select(item => item.Size));
        Assert.Equal(3, (await store.ListAsync("", None).ToListAsync()).Count);
    }

    [Fact]
    public async Task List_FollowsContinuationTokens()
    {
        using var store = swift.Store();
        var keys = Enumerable.Range(0, 7).Select(index => $"chunks/{index:00}").ToArray();
        foreach (var key in keys)
        {
            await store.PutAsync(key, new byte[1], None);
        }

        var listed = await store.ListAsync("chunks/", pageSize: 2, None).ToListAsync();

        Assert.Equal(keys, listed.Select(item => item.Key).Order());
    }

    [Fact]
    public async Task Stores_WithDifferentPrefixes_DoNotSeeEachOther()
    {
        using var first = swift.Store();
        using var second = swift.Store();
        await first.PutAsync("same/key", "first"u8.ToArray(), None);

        Assert.Null(await second.GetAsync("same/key", None));
        Assert.Empty(await second.ListAsync("", None).ToListAsync());
        Assert.Equal("first"u8.ToArray(), await first.GetAsync("same/key", None));
    }

    [Fact]
    public async Task Touch_MovesLastModifiedForward_AndKeepsTheBytes()
    {
        using var store = swift.Store();
        await store.PutAsync("old", "kept"u8.ToArray(), None);
        var before = (await store.StatAsync("old", None))!.LastModified;
        // S3's Last-Modified has whole seconds.
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        await store.TouchAsync("old", None);

        var after = await store.StatAsync("old", None);
        Assert.True(after!.LastModified > before, $"{after.LastModified:O} is not after {before:O}");
        Assert.Equal(4, after.Size);
        Assert.Equal("kept"u8.ToArray(), await store.GetAsync("old", None));
        var listed = Assert.Single(await store.ListAsync("old", None).ToListAsync());
        Assert.True(listed.LastModified > before);
    }

    [Fact]
    public async Task WrongSecret_IsUnavailable_AndTheMessageNamesNoSecret()
    {
        const string wrong = "not-the-secret-0123456789";
        using var store = swift.Store(secretKey: wrong);

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("any", None));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync("any", new byte[1], None));

        output.WriteLine(failure.ToString());
        Assert.Contains("403", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, failure.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(swift.Server.SecretKey, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingBucket_IsUnavailable_NotAMissingObject()
    {
        using var store = swift.Store(bucket: "no-such-bucket");

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("any", None));

        Assert.Contains("NoSuchBucket", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyDown_IsUnavailableWithinSeconds_AndTheStoreComesBack()
    {
        using var store = swift.Store();
        await store.PutAsync("survives", "still here"u8.ToArray(), None);
        await swift.Server.StopProxyAsync();
        try
        {
            var watch = Stopwatch.StartNew();
            var failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("survives", None));
            output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: {failure}");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
            await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ListAsync("", None).ToListAsync().AsTask());
        }
        finally
        {
            await swift.Server.StartProxyAsync(None);
        }

        Assert.Equal("still here"u8.ToArray(), await store.GetAsync("survives", None));
    }

    [Theory]
    [InlineData("http://store.example.com")]
    [InlineData("ftp://127.0.0.1")]
    [InlineData("https://user:pass@store.example.com")]
    public void Endpoint_InTheClearOrWithCredentials_IsRefused(string endpoint)
    {
        Assert.Throws<ArgumentException>(() => new S3ObjectStore(new Uri(endpoint), "us-east-1", "bucket", "", "key", "secret"));
    }
}
