using System.Collections.Concurrent;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// When each running capsule was last busy (spec §3.4), in memory: a capsule is busy while any
/// lease of it is held (a guest request, an open stream, a proxied connection), and its idle clock
/// starts when the last lease ends. Written to the database at most every few seconds.
/// </summary>
internal sealed class CapsuleActivity(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Marks the capsule busy until the returned lease is disposed.</summary>
    public IDisposable Begin(string id)
    {
        var entry = EntryOf(id);
        Interlocked.Increment(ref entry.Busy);
        Volatile.Write(ref entry.LastActive, Now);
        return new Lease(this, entry);
    }

    /// <summary>A busy instant (ping, create and resume completing): restarts the idle clock.</summary>
    public void Touch(string id) => Volatile.Write(ref EntryOf(id).LastActive, Now);

    /// <summary>How long the capsule has been idle; zero while busy.</summary>
    public TimeSpan IdleFor(string id, long fallbackLastActive)
    {
        var entry = _entries.GetOrAdd(id, _ => new Entry { LastActive = fallbackLastActive });
        return Volatile.Read(ref entry.Busy) > 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(0, Now - Volatile.Read(ref entry.LastActive)));
    }

    /// <summary>The last busy moment known in memory (now, while busy); null if none.</summary>
    public long? LastActive(string id) =>
        _entries.TryGetValue(id, out var entry) ? (Volatile.Read(ref entry.Busy) > 0 ? Now : Volatile.Read(ref entry.LastActive)) : null;

    public IEnumerable<(string Id, long LastActive)> Snapshot() =>
        _entries.Select(pair => (pair.Key, LastActive(pair.Key) ?? 0));

    public void Forget(string id) => _entries.TryRemove(id, out _);

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    private Entry EntryOf(string id) => _entries.GetOrAdd(id, _ => new Entry { LastActive = Now });

    private sealed class Entry
    {
        public int Busy;
        public long LastActive;
    }

    private sealed class Lease(CapsuleActivity owner, Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Volatile.Write(ref entry.LastActive, owner.Now);
                Interlocked.Decrement(ref entry.Busy);
            }
        }
    }
}
