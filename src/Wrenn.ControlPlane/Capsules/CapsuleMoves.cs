using System.Collections.Concurrent;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// Wakes whoever waits on a capsule's status when this process's store changes it, so that a wait
/// for a start ends as the start commits instead of at its next poll. A change made by another
/// control plane on the shared database is seen by the poll only.
/// </summary>
internal sealed class CapsuleMoves
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _next = new(StringComparer.Ordinal);

    /// <summary>A task that completes at the capsule's next status change made through this process's store.</summary>
    public Task Next(string id) =>
        _next.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Moved(string id)
    {
        if (_next.TryRemove(id, out var next))
        {
            next.TrySetResult();
        }
    }

    /// <summary>
    /// Drops <paramref name="next"/> when its wait ended without a change made here (another
    /// control plane made it, or the wait gave up), so that no entry stays behind per capsule.
    /// </summary>
    public void Forget(string id, Task next)
    {
        if (_next.TryGetValue(id, out var source) && source.Task == next)
        {
            _next.TryRemove(KeyValuePair.Create(id, source));
        }
    }
}
