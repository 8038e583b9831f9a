namespace Wrenn.SnapshotStore.Tests;

public sealed class StoreCollectorTests : IDisposable
{
    private const string Base = "manifests/templates/base.json";
    private const string Template = "manifests/templates/python.json";
    private const string Live = "manifests/capsules/c-live/gen-2.json";
    private const string Dead = "manifests/capsules/c-dead/gen-1.json";
    private const string DeadOnTemplate = "manifests/capsules/c-gone/gen-4.json";
    private static readonly TimeSpan Grace = TimeSpan.FromDays(1);
    private readonly StoreDirectory _directory = new();
    private readonly ChunkStore _chunks;
    private readonly ManifestStore _manifests;
    private readonly StoreCollector _collector;
    private int _files;

    public StoreCollectorTests()
    {
        _chunks = new ChunkStore(_directory.Store, TimeProvider.System, Grace);
        _manifests = new ManifestStore(_directory.Store);
        _collector = new StoreCollector(_directory.Store, TimeProvider.System);
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task CollectAsync_OldStore_DeletesDeadSnapshotsAndKeepsLiveOnesWithAllTheyReference()
    {
        var kept = new[] { await PutAsync(Base), await PutAsync(Template, Base), await PutAsync(Live, Template) };
        var deleted = new[] { await PutAsync(Dead), await PutAsync(DeadOnTemplate, Template) };
        _directory.AgeAll(Grace * 2);
        var deletedBytes = deleted.SelectMany(part => part.Chunks).Sum(chunk => (long)chunk.StoredBytes)
            + new FileInfo(_directory.ObjectPath(Dead)).Length + new FileInfo(_directory.ObjectPath(DeadOnTemplate)).Length;

        var stats = await CollectAsync(Live);

        Assert.Equal(new CollectionStats(ManifestsKept: 3, ManifestsDeleted: 2, UnreadableManifests: 0, ChunksDeleted: 4, deletedBytes), stats);
        Assert.Equal([Live, Base, Template], await KeysAsync("manifests/"));
        Assert.All(kept, part => Assert.True(HasChunks(part)));
        Assert.All(deleted, part => Assert.DoesNotContain(part.Chunks, chunk => File.Exists(_directory.ChunkPath(chunk.Sha256))));
        await _chunks.DownloadFileAsync(kept[0], _directory.File("base.restored"), CancellationToken.None);
    }

    [Fact]
    public async Task CollectAsync_ChunksOfAnUploadWithoutManifestYet_StayUntilOlderThanTheGrace()
    {
        var part = await UploadAsync();
        _directory.AgeAll(Grace / 2);

        var young = await CollectAsync();
        _directory.AgeAll(Grace * 2);
        var old = await CollectAsync();

        Assert.Equal(0, young.ChunksDeleted);
        Assert.Equal(2, old.ChunksDeleted);
        Assert.False(HasChunks(part));
    }

    [Fact]
    public async Task CollectAsync_DeadManifestYoungerThanTheGrace_IsKeptWithItsChunks()
    {
        var part = await PutAsync(Dead);
        _directory.AgeAll(Grace * 2);
        StoreDirectory.Age(_directory.ObjectPath(Dead), Grace / 2);

        var stats = await CollectAsync();

        Assert.Equal(new CollectionStats(1, 0, 0, 0, 0), stats);
        Assert.True(HasChunks(part));
    }

    [Fact]
    public async Task CollectAsync_UnreadableManifest_DeletesNothing()
    {
        var part = await PutAsync(Dead);
        await _directory.Store.PutAsync("manifests/capsules/c-new/gen-1.json", "{\"parts\": [\"from a future version\"]}"u8.ToArray(), CancellationToken.None);
        _directory.AgeAll(Grace * 2);

        var stats = await CollectAsync();

        Assert.Equal(new CollectionStats(2, 0, 1, 0, 0), stats);
        Assert.True(File.Exists(_directory.ObjectPath(Dead)));
        Assert.True(HasChunks(part));
    }

    [Fact]
    public async Task CollectAsync_ChunkRefreshedAfterTheListing_IsKept()
    {
        var part = await UploadAsync();
        var collector = new StoreCollector(new RemoteStore(_directory.Store) { ListingLag = Grace * 2 }, TimeProvider.System);

        var stats = await collector.CollectAsync(_ => false, Grace, CancellationToken.None);

        Assert.Equal(0, stats.ChunksDeleted);
        Assert.True(HasChunks(part));
    }

    [Fact]
    public async Task CollectAsync_ObjectThatIsNoChunk_IsLeftAlone()
    {
        await _directory.Store.PutAsync("chunks/readme.txt", "not ours"u8.ToArray(), CancellationToken.None);
        await _directory.Store.PutAsync($"chunks/00/{new string('1', 64)}", "misplaced"u8.ToArray(), CancellationToken.None);
        _directory.AgeAll(Grace * 2);

        var stats = await CollectAsync();

        Assert.Equal(0, stats.ChunksDeleted);
        Assert.Equal(2, (await KeysAsync("chunks/")).Count);
    }

    /// <summary>A part of two chunks unlike any other part of this test, uploaded but in no manifest.</summary>
    private async Task<PartManifest> UploadAsync()
    {
        var source = _directory.File($"part-{++_files}");
        SparseImage.Write(source, 1 << 20, (0, SparseImage.Random(ChunkStore.MinChunkSize, 2 * _files)), (1 << 19, SparseImage.Random(ChunkStore.MinChunkSize, (2 * _files) + 1)));
        var (part, _) = await _chunks.UploadFileAsync(source, ChunkStore.MinChunkSize, CancellationToken.None);
        return part;
    }

    /// <summary>Uploads a part and writes the manifest <paramref name="key"/> of it, referencing <paramref name="references"/>.</summary>
    private async Task<PartManifest> PutAsync(string key, params string[] references)
    {
        var part = await UploadAsync();
        var manifest = new CapsuleSnapshot(new Dictionary<string, PartManifest> { ["memory"] = part }, references, "c", 1);
        await _manifests.PutManifestAsync(key, manifest, CancellationToken.None);
        return part;
    }

    private Task<CollectionStats> CollectAsync(params string[] live) => _collector.CollectAsync(live.Contains, Grace, CancellationToken.None);

    private bool HasChunks(PartManifest part) => part.Chunks.All(chunk => File.Exists(_directory.ChunkPath(chunk.Sha256)));

    private async Task<List<string>> KeysAsync(string prefix) =>
        await _directory.Store.ListAsync(prefix, CancellationToken.None).Select(stored => stored.Key).Order(StringComparer.Ordinal).ToListAsync();
}
