namespace Wrenn.SnapshotStore.Tests;

/// <summary>A snapshot whose chunks went missing or bad is refused whole: no restored file is ever partly wrong.</summary>
public sealed class ChunkStoreCorruptionTests : IDisposable
{
    private readonly StoreDirectory _directory = new();
    private readonly ChunkStore _chunks;
    private readonly string _target;

    public ChunkStoreCorruptionTests()
    {
        _chunks = new ChunkStore(_directory.Store, TimeProvider.System, TimeSpan.FromDays(1));
        _target = _directory.File("restored");
        File.WriteAllText(_target, "the previous file");
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task DownloadFileAsync_ChunkReplacedByAnotherChunk_ThrowsAndLeavesTheTargetAlone()
    {
        var part = await UploadAsync();
        File.Copy(_directory.ChunkPath(part.Chunks[1].Sha256), _directory.ChunkPath(part.Chunks[0].Sha256), overwrite: true);

        await AssertRefusedAsync(part);
    }

    [Fact]
    public async Task DownloadFileAsync_ChunkOverwrittenWithGarbage_Throws()
    {
        var part = await UploadAsync();
        File.WriteAllBytes(_directory.ChunkPath(part.Chunks[1].Sha256), SparseImage.Random(500, seed: 1));

        await AssertRefusedAsync(part);
    }

    [Fact]
    public async Task DownloadFileAsync_ChunkMissing_Throws()
    {
        var part = await UploadAsync();
        await _directory.Store.DeleteAsync($"chunks/{part.Chunks[2].Sha256[..2]}/{part.Chunks[2].Sha256}", CancellationToken.None);

        await AssertRefusedAsync(part);
    }

    [Fact]
    public async Task DownloadFileAsync_ManifestLengthDiffersFromTheChunk_Throws()
    {
        var part = await UploadAsync();
        var shortened = part with { Chunks = [part.Chunks[0] with { Length = part.Chunks[0].Length - 1 }, .. part.Chunks.Skip(1)] };

        await AssertRefusedAsync(shortened);
    }

    [Theory]
    [InlineData(-1L, 65_536)]
    [InlineData(4L << 20, 65_536)]
    [InlineData(0L, 0)]
    [InlineData(0L, ChunkStore.MaxChunkSize + 1)]
    public async Task DownloadFileAsync_ChunkOutsideThePart_Throws(long offset, int length)
    {
        var part = await UploadAsync();
        var moved = part with { Chunks = [.. part.Chunks.SkipLast(1), part.Chunks[^1] with { Offset = offset, Length = length }] };

        await AssertRefusedAsync(moved with { Chunks = [.. moved.Chunks.OrderBy(chunk => chunk.Offset)] });
    }

    [Fact]
    public async Task DownloadFileAsync_HashThatIsNoHash_Throws()
    {
        var part = await UploadAsync();

        await AssertRefusedAsync(part with { Chunks = [part.Chunks[0] with { Sha256 = "../../etc/passwd" }] });
    }

    /// <summary>A 4 MiB file of four 64 KiB data windows spread out, each different.</summary>
    private async Task<PartManifest> UploadAsync()
    {
        var source = _directory.File("source");
        var windows = Enumerable.Range(0, 4).Select(i => ((long)i * 16 * ChunkStore.MinChunkSize, SparseImage.Random(ChunkStore.MinChunkSize, i))).ToArray();
        SparseImage.Write(source, 4 << 20, windows);
        var (part, _) = await _chunks.UploadFileAsync(source, ChunkStore.MinChunkSize, CancellationToken.None);
        Assert.Equal(4, part.Chunks.Count);
        return part;
    }

    private async Task AssertRefusedAsync(PartManifest part)
    {
        var refusal = await Assert.ThrowsAsync<SnapshotCorruptException>(() => _chunks.DownloadFileAsync(part, _target, CancellationToken.None));

        Assert.DoesNotContain("/", refusal.Message, StringComparison.Ordinal);
        Assert.Equal("the previous file", File.ReadAllText(_target));
        Assert.False(File.Exists(_target + ".tmp"));
    }
}
