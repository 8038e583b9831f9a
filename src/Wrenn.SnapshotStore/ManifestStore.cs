using System.Text.Json;

namespace Wrenn.SnapshotStore;

/// <summary>
/// Manifests in the store: JSON objects under <see cref="Prefix"/> that name a snapshot's parts
/// and the manifests it depends on. A snapshot exists in the store once its manifest is written, so
/// the manifest is put last, after every chunk it lists.
/// </summary>
public sealed class ManifestStore(IObjectStore store)
{
    /// <summary>Every manifest key starts here, and <see cref="StoreCollector"/> looks nowhere else for what to keep.</summary>
    public const string Prefix = "manifests/";

    /// <summary>
    /// Writes <paramref name="manifest"/> under <paramref name="key"/> (which starts with <see cref="Prefix"/>).
    /// Throws <see cref="ArgumentException"/> when its JSON is not of the stored shape, since the
    /// collector could not tell what it keeps alive.
    /// </summary>
    public async Task PutManifestAsync<T>(string key, T manifest, CancellationToken cancellationToken)
        where T : class, IStoredManifest
    {
        RequireManifestKey(key);
        ArgumentNullException.ThrowIfNull(manifest);
        var json = JsonSerializer.SerializeToUtf8Bytes(manifest, StoreJson.Options);
        if (!ManifestLinks.TryParse(json, out _))
        {
            throw new ArgumentException("the manifest's JSON lacks top-level \"parts\" of chunk lists or valid \"references\"", nameof(manifest));
        }

        await store.PutAsync(key, json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The manifest under <paramref name="key"/>; null when there is none; <see cref="SnapshotCorruptException"/> when it cannot be read as <typeparamref name="T"/>.</summary>
    public async Task<T?> GetManifestAsync<T>(string key, CancellationToken cancellationToken)
        where T : class, IStoredManifest
    {
        RequireManifestKey(key);
        if (await store.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } json)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json, StoreJson.Options) ?? throw new JsonException("the manifest is null");
        }
        catch (JsonException e)
        {
            throw new SnapshotCorruptException("a snapshot manifest in the store cannot be read", e);
        }
    }

    private static void RequireManifestKey(string key)
    {
        ObjectKey.Validate(key, nameof(key));
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"manifest keys start with '{Prefix}'", nameof(key));
        }
    }
}
