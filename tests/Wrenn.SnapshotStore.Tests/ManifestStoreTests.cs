using System.Text;
using System.Text.Json;

namespace Wrenn.SnapshotStore.Tests;

public sealed class ManifestStoreTests : IDisposable
{
    private const string Key = "manifests/capsules/c-1/gen-3.json";
    private static readonly string Hash = new('a', 64);
    private readonly StoreDirectory _directory = new();
    private readonly ManifestStore _manifests;

    public ManifestStoreTests() => _manifests = new ManifestStore(_directory.Store);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task PutThenGet_CallerManifest_RoundTripsInSnakeCase()
    {
        var manifest = Snapshot(["manifests/templates/python.json"]);

        await _manifests.PutManifestAsync(Key, manifest, CancellationToken.None);
        var read = await _manifests.GetManifestAsync<CapsuleSnapshot>(Key, CancellationToken.None);

        Assert.Equal(1 << 20, read!.Parts["memory"].Size);
        Assert.Equal(manifest.Parts["memory"].Chunks, read.Parts["memory"].Chunks);
        Assert.Equal(("c-1", 3, "manifests/templates/python.json"), (read.CapsuleId, read.Generation, Assert.Single(read.References)));
        using var json = JsonDocument.Parse(File.ReadAllBytes(_directory.ObjectPath(Key)));
        Assert.Equal(["capsule_id", "generation", "parts", "references"], json.RootElement.EnumerateObject().Select(member => member.Name).Order());
        var chunk = json.RootElement.GetProperty("parts").GetProperty("memory").GetProperty("chunks")[0];
        Assert.Equal(["offset", "length", "sha256", "stored_bytes"], chunk.EnumerateObject().Select(member => member.Name));
    }

    [Fact]
    public async Task GetManifestAsync_Missing_ReturnsNull() =>
        Assert.Null(await _manifests.GetManifestAsync<CapsuleSnapshot>(Key, CancellationToken.None));

    [Theory]
    [InlineData("{\"parts\": ")]
    [InlineData("null")]
    [InlineData("{\"parts\": {}, \"references\": [], \"generation\": 1}")]
    [InlineData("{\"parts\": {}, \"references\": null, \"capsule_id\": \"c-1\", \"generation\": 1}")]
    public async Task GetManifestAsync_Unreadable_ThrowsSnapshotCorrupt(string json)
    {
        await _directory.Store.PutAsync(Key, Encoding.UTF8.GetBytes(json), CancellationToken.None);

        await Assert.ThrowsAsync<SnapshotCorruptException>(() => _manifests.GetManifestAsync<CapsuleSnapshot>(Key, CancellationToken.None));
    }

    [Theory]
    [InlineData("capsules/c-1/gen-3.json")]
    [InlineData("chunks/aa/manifest.json")]
    public async Task PutManifestAsync_KeyOutsideManifests_Throws(string key) =>
        await Assert.ThrowsAsync<ArgumentException>(() => _manifests.PutManifestAsync(key, Snapshot([]), CancellationToken.None));

    [Fact]
    public async Task PutManifestAsync_ReferenceThatIsNoKey_ThrowsAndWritesNothing()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _manifests.PutManifestAsync(Key, Snapshot(["../elsewhere"]), CancellationToken.None));

        Assert.Null(await _directory.Store.StatAsync(Key, CancellationToken.None));
    }

    private static CapsuleSnapshot Snapshot(IReadOnlyList<string> references) => new(
        new Dictionary<string, PartManifest> { ["memory"] = new(1 << 20, [new ChunkRef(0, 65_536, Hash, 1234)]) }, references, "c-1", 3);
}
