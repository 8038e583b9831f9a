namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// Wakes whoever waits on a capsule's status when this process's store changes it, so that a wait
/// ends as the change commits instead of at its next poll. A change made by another control plane
/// on the shared database is seen by the poll only. Each wait takes the capsule's next change with
/// <see cref="Next"/> and gives it back with <see cref="Release"/>; an entry lives while someone waits.
/// </summary>
internal sealed class CapsuleMoves
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();

    /// <summary>A task that completes at the capsule's next status change made through this process's store.</summary>
    public Task Next(string id)
    {
        lock (_sync)
        {
            if (!_entries.TryGetValue(id, out var entry))
            {
                _entries[id] = entry = new Entry();
            }

            entry.Waiters++;
            return entry.Change.Task;
        }
    }

    public void Moved(string id)
    {
        lock (_sync)
        {
            if (_entries.Remove(id, out var entry))
            {
                entry.Change.TrySetResult();
            }
        }
    }

    /// <summary>Ends one wait on <paramref name="next"/> (from <see cref="Next"/>); the last one drops the entry.</summary>
    public void Release(string id, Task next)
    {
        lock (_sync)
        {
            if (_entries.TryGetValue(id, out var entry) && entry.Change.Task == next && --entry.Waiters == 0)
            {
                _entries.Remove(id);
            }
        }
    }

    private sealed class Entry
    {
        public TaskCompletionSource Change { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Waiters { get; set; }
    }
}
