namespace Wrenn.SnapshotStore;

/// <summary>
/// A flat key → bytes store where snapshots live between hosts: a directory (local or a shared
/// mount) or an S3-compatible bucket. Keys are relative paths of lowercase letters, digits,
/// '-', '_', '.' and '/'. A put is atomic (a reader sees the whole object or none) and objects are
/// small (a chunk or a manifest, at most a few MiB). A store that cannot be reached, or refuses the
/// credentials, throws <see cref="StoreUnavailableException"/>.
/// </summary>
public interface IObjectStore
{
    /// <summary>Writes <paramref name="content"/> under <paramref name="key"/>, replacing what was there.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The object's bytes; null when there is no such object.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>The object's size and age; null when there is no such object.</summary>
    Task<StoredObject?> StatAsync(string key, CancellationToken cancellationToken);

    /// <summary>Marks an existing object as written now (its <see cref="StoredObject.LastModified"/>), keeping its bytes.</summary>
    Task TouchAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in no particular order.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Removes the object; removing one that is not there is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An object in a store: its key, size in bytes and when it was last written.</summary>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified);

/// <summary>The store cannot be reached or refuses this host's credentials; retrying later can succeed.</summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
