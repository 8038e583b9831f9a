namespace Wrenn.SnapshotStore.Tests;

public sealed class ChunkStoreTests : IDisposable
{
    private const int MiB = 1 << 20;
    private const long ImageLength = 64L * MiB + 1000;
    private static readonly TimeSpan Grace = TimeSpan.FromDays(1);
    private readonly StoreDirectory _directory = new();
    private readonly ChunkStore _chunks;

    public ChunkStoreTests() => _chunks = new ChunkStore(_directory.Store, TimeProvider.System, Grace);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task UploadThenDownload_SparseImage_SameBytesAndStillSparse()
    {
        var source = WriteImage(out var dataBytes);

        var (part, sent) = await _chunks.UploadFileAsync(source, ChunkStore.DefaultChunkSize, CancellationToken.None);
        var target = _directory.File("restored.mem");
        var fetched = await _chunks.DownloadFileAsync(part, target, CancellationToken.None);

        Assert.Equal(ImageLength, part.Size);
        Assert.Equal(part.Chunks.OrderBy(chunk => chunk.Offset), part.Chunks);
        Assert.DoesNotContain(part.Chunks, chunk => chunk.Offset == 20L * MiB); // written, but zeros
        Assert.Equal(new ChunkRef(64L * MiB, 1000, part.Chunks[^1].Sha256, part.Chunks[^1].StoredBytes), part.Chunks[^1]);
        Assert.Equal(part.Chunks.Count, sent.Chunks);
        Assert.Equal(sent.Chunks, sent.ChunksTransferred);
        Assert.Equal(part.Chunks.Sum(chunk => (long)chunk.StoredBytes), sent.BytesTransferred);
        Assert.Equal(sent, fetched);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(target));
        Assert.InRange(StoreDirectory.AllocatedBytes(target), dataBytes, dataBytes + 256 * 1024);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
        Assert.False(File.Exists(target + ".tmp"));
    }

    [Fact]
    public async Task UploadFileAsync_SameFileAgain_SendsNothing()
    {
        var source = WriteImage(out _);
        var (first, _) = await _chunks.UploadFileAsync(source, ChunkStore.DefaultChunkSize, CancellationToken.None);

        var (second, sent) = await _chunks.UploadFileAsync(source, ChunkStore.DefaultChunkSize, CancellationToken.None);

        Assert.Equal(first.Chunks, second.Chunks);
        Assert.Equal(new TransferStats(first.Chunks.Count, 0, sent.RawBytes, 0), sent);
    }

    [Fact]
    public async Task UploadFileAsync_OnePageChanged_SendsOneChunk()
    {
        var source = WriteImage(out _);
        var (first, _) = await _chunks.UploadFileAsync(source, ChunkStore.DefaultChunkSize, CancellationToken.None);
        SparseImage.Patch(source, 10L * MiB + 5 * SparseImage.Page, SparseImage.Random(SparseImage.Page, seed: 99));

        var (second, sent) = await _chunks.UploadFileAsync(source, ChunkStore.DefaultChunkSize, CancellationToken.None);

        Assert.Equal(1, sent.ChunksTransferred);
        Assert.Equal([10L * MiB], second.Chunks.Except(first.Chunks).Select(chunk => chunk.Offset));
    }

    [Fact]
    public async Task UploadFileAsync_RepeatedWindowsAtOnce_StoresThemOnceAndDownloadsEveryCopy()
    {
        var window = SparseImage.Random(ChunkStore.MinChunkSize, seed: 5);
        var source = _directory.File("twice");
        SparseImage.Write(source, 8L * ChunkStore.MinChunkSize, (0, window), (5L * ChunkStore.MinChunkSize, window));

        var store = new RemoteStore(_directory.Store);
        var chunks = new ChunkStore(store, TimeProvider.System, Grace);

        var (part, sent) = await chunks.UploadFileAsync(source, ChunkStore.MinChunkSize, CancellationToken.None);
        var target = _directory.File("twice.restored");
        var fetched = await chunks.DownloadFileAsync(part, target, CancellationToken.None);

        Assert.Equal((2, 1), (sent.Chunks, sent.ChunksTransferred));
        Assert.Equal((2, 1), (fetched.Chunks, fetched.ChunksTransferred));
        Assert.Equal(1, Assert.Single(store.Puts).Value);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(target));
    }

    [Fact]
    public async Task UploadThenDownload_OnlyZeros_NoChunksAndAnEmptySparseFileWhateverWasLeftBefore()
    {
        var source = _directory.File("zeros");
        SparseImage.Write(source, 4 * MiB, (MiB, new byte[2 * MiB]));

        var (part, sent) = await _chunks.UploadFileAsync(source, ChunkStore.DefaultChunkSize, CancellationToken.None);
        var target = _directory.File("zeros.restored");
        File.WriteAllBytes(target + ".tmp", SparseImage.Random(MiB, seed: 1)); // left by a download cut short
        await _chunks.DownloadFileAsync(part, target, CancellationToken.None);

        Assert.Empty(part.Chunks);
        Assert.Equal(default, sent);
        Assert.Equal(new byte[4 * MiB], File.ReadAllBytes(target));
        Assert.Equal(0, StoreDirectory.AllocatedBytes(target));
    }

    [Fact]
    public async Task UploadFileAsync_ReusedChunks_RefreshesOnlyThoseOlderThanHalfTheGrace()
    {
        var source = _directory.File("two");
        SparseImage.Write(source, 2L * ChunkStore.MinChunkSize, (0, SparseImage.Random(ChunkStore.MinChunkSize * 2, seed: 3)));
        var (part, _) = await _chunks.UploadFileAsync(source, ChunkStore.MinChunkSize, CancellationToken.None);
        var (stale, recent) = (_directory.ChunkPath(part.Chunks[0].Sha256), _directory.ChunkPath(part.Chunks[1].Sha256));
        StoreDirectory.Age(stale, Grace * 2);
        StoreDirectory.Age(recent, Grace / 4);
        var recentBefore = File.GetLastWriteTimeUtc(recent);

        var (_, sent) = await _chunks.UploadFileAsync(source, ChunkStore.MinChunkSize, CancellationToken.None);

        Assert.Equal(0, sent.ChunksTransferred);
        Assert.InRange(File.GetLastWriteTimeUtc(stale), StoreDirectory.Now.AddMinutes(-1).UtcDateTime, StoreDirectory.Now.AddMinutes(1).UtcDateTime);
        Assert.Equal(recentBefore, File.GetLastWriteTimeUtc(recent));
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(ChunkStore.MinChunkSize / 2)]
    [InlineData(ChunkStore.MaxChunkSize * 2)]
    [InlineData(3 * MiB)]
    public async Task UploadFileAsync_ChunkSizeOutOfRange_Throws(int chunkSize)
    {
        var source = _directory.File("any");
        SparseImage.Write(source, MiB);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _chunks.UploadFileAsync(source, chunkSize, CancellationToken.None));
    }

    [Fact]
    public void TransferStats_Added_SumsEveryField() =>
        Assert.Equal(new TransferStats(3, 1, 30, 7), new TransferStats(1, 0, 10, 0) + new TransferStats(2, 1, 20, 7));

    /// <summary>
    /// A 64 MiB + 1000 byte image: 40 scattered pages, a full window at 10 MiB, zeros written over the
    /// window at 20 MiB, and data in the short last window. <paramref name="dataBytes"/>: what is not zero.
    /// </summary>
    private string WriteImage(out long dataBytes)
    {
        var random = new Random(7);
        var pages = Enumerable.Range(0, 40).Select(_ => random.Next(0, 16_384)).Where(page => page / 256 is not (10 or 20)).Distinct().ToList();
        var writes = pages.Select(page => ((long)page * SparseImage.Page, SparseImage.Random(SparseImage.Page, page)))
            .Append((10L * MiB, SparseImage.Random(MiB, seed: 10)))
            .Append((20L * MiB, new byte[MiB]))
            .Append((64L * MiB, SparseImage.Random(1000, seed: 64)));
        var path = _directory.File("memory.img");
        SparseImage.Write(path, ImageLength, [.. writes]);
        dataBytes = (pages.Count * SparseImage.Page) + MiB + SparseImage.Page;
        return path;
    }
}
