using System.Collections.Concurrent;

namespace Wrenn.SnapshotStore.Tests;

/// <summary>
/// A store as seen over a network: every call takes a while, so concurrent work really overlaps, and
/// a listing may be older than the objects (<see cref="ListingLag"/>). It counts the puts of each key.
/// </summary>
internal sealed class RemoteStore(IObjectStore inner) : IObjectStore
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(30);

    public ConcurrentDictionary<string, int> Puts { get; } = new();

    /// <summary>How much older than it is each listed object looks: the listing was taken before its last write.</summary>
    public TimeSpan ListingLag { get; init; }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency, cancellationToken);
        Puts.AddOrUpdate(key, 1, (_, count) => count + 1);
        await inner.PutAsync(key, content, cancellationToken);
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency, cancellationToken);
        return await inner.GetAsync(key, cancellationToken);
    }

    public async Task<StoredObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency, cancellationToken);
        return await inner.StatAsync(key, cancellationToken);
    }

    public async Task TouchAsync(string key, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency, cancellationToken);
        await inner.TouchAsync(key, cancellationToken);
    }

    public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken) =>
        inner.ListAsync(prefix, cancellationToken).Select(stored => stored with { LastModified = stored.LastModified - ListingLag });

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        await Task.Delay(Latency, cancellationToken);
        await inner.DeleteAsync(key, cancellationToken);
    }
}
