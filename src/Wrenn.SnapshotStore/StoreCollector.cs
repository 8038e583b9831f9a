namespace Wrenn.SnapshotStore;

/// <summary>
/// Frees what no snapshot needs any more. A manifest stays while its owner says it is live, while it
/// is younger than the grace period (written, but perhaps not yet recorded by its owner), or while a
/// manifest that stays references it; the others go. A chunk goes when no remaining manifest lists
/// it and it is older than the grace period: an upload writes its chunks before its manifest, and
/// refreshes the old chunks it reuses (<see cref="ChunkStore"/>), so an unfinished snapshot's chunks
/// are always young. Several collectors may run at once; what one deletes, the others skip.
/// </summary>
public sealed class StoreCollector(IObjectStore store, TimeProvider time)
{
    /// <summary>A grace longer than any upload takes, by far; give <see cref="ChunkStore"/> the same one.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromDays(1);

    /// <param name="isLive">Whether the owner of a manifest key (e.g. the database) still needs that snapshot.</param>
    /// <param name="grace">How old an unneeded manifest or chunk must be before it is deleted.</param>
    /// <param name="cancellationToken">Stops the collection; what was deleted stays deleted, which is safe.</param>
    public async Task<CollectionStats> CollectAsync(Func<string, bool> isLive, TimeSpan grace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isLive);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(grace, TimeSpan.Zero);
        var oldest = time.GetUtcNow() - grace;
        var manifests = await ReadManifestsAsync(cancellationToken).ConfigureAwait(false);
        var kept = Kept(manifests, key => isLive(key) || manifests[key].Object.LastModified > oldest || manifests[key].Links is null);
        var unreadable = manifests.Values.Count(manifest => manifest.Links is null);
        if (unreadable > 0)
        {
            return new CollectionStats(manifests.Count, 0, unreadable, 0, 0);
        }

        var freed = 0L;
        var dead = manifests.Keys.Where(key => !kept.Contains(key)).ToList();
        foreach (var key in dead)
        {
            await store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            freed += manifests[key].Object.Size;
        }

        var referenced = kept.SelectMany(key => manifests[key].Links!.Chunks).ToHashSet(StringComparer.Ordinal);
        var chunksDeleted = 0;
        foreach (var chunk in await UnreferencedChunksAsync(referenced, oldest, cancellationToken).ConfigureAwait(false))
        {
            // Listed a while ago: an upload may have reused and refreshed it since.
            if (await store.StatAsync(chunk.Key, cancellationToken).ConfigureAwait(false) is { } current && current.LastModified <= oldest)
            {
                await store.DeleteAsync(chunk.Key, cancellationToken).ConfigureAwait(false);
                chunksDeleted++;
                freed += current.Size;
            }
        }

        return new CollectionStats(kept.Count, dead.Count, 0, chunksDeleted, freed);
    }

    /// <summary>Every manifest with what it links to; null links for one that cannot be read. One deleted meanwhile is left out.</summary>
    private async Task<Dictionary<string, (StoredObject Object, ManifestLinks? Links)>> ReadManifestsAsync(CancellationToken cancellationToken)
    {
        var manifests = new Dictionary<string, (StoredObject, ManifestLinks?)>(StringComparer.Ordinal);
        await foreach (var manifest in store.ListAsync(ManifestStore.Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (await store.GetAsync(manifest.Key, cancellationToken).ConfigureAwait(false) is { } json)
            {
                manifests[manifest.Key] = (manifest, ManifestLinks.TryParse(json, out var links) ? links : null);
            }
        }

        return manifests;
    }

    /// <summary>The manifests <paramref name="isRoot"/> keeps, and every manifest they reference, directly or not.</summary>
    private static HashSet<string> Kept(Dictionary<string, (StoredObject Object, ManifestLinks? Links)> manifests, Func<string, bool> isRoot)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(manifests.Keys.Where(isRoot));
        while (pending.TryPop(out var key))
        {
            if (kept.Add(key) && manifests[key].Links is { } links)
            {
                foreach (var reference in links.References.Where(manifests.ContainsKey))
                {
                    pending.Push(reference);
                }
            }
        }

        return kept;
    }

    /// <summary>The chunk objects no kept manifest lists that were last written before <paramref name="oldest"/>.</summary>
    private async Task<List<StoredObject>> UnreferencedChunksAsync(HashSet<string> referenced, DateTimeOffset oldest, CancellationToken cancellationToken)
    {
        var chunks = new List<StoredObject>();
        await foreach (var chunk in store.ListAsync(ChunkAddress.Prefix, cancellationToken).ConfigureAwait(false))
        {
            if (ChunkAddress.HashOf(chunk.Key) is { } hash && !referenced.Contains(hash) && chunk.LastModified <= oldest)
            {
                chunks.Add(chunk);
            }
        }

        return chunks;
    }
}
