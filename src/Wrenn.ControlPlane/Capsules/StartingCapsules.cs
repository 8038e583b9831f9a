using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Telemetry;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// Waits out a capsule's start (create or resume): a guest operation, stream or proxied request
/// that arrives while the capsule is pending or starting goes through once it runs (spec §3.3),
/// instead of failing because a restore was still finishing. The wait ends as soon as this
/// process's store records the start (<see cref="CapsuleMoves"/>); a start recorded by another
/// control plane is found by reading the row again every <see cref="PollInterval"/>. Other states
/// can be waited out the same way.
/// </summary>
internal static class StartingCapsules
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Reads the capsule (the team's, or any team's when <paramref name="team"/> is null) until it is
    /// neither pending nor starting (or, given <paramref name="waitingWhile"/>, until that is false
    /// of it), or <paramref name="limit"/> passes; returns the last read.
    /// </summary>
    public static async Task<CapsuleRecord?> WaitAsync(
        CapsuleStore store, string id, TeamId? team, TimeSpan limit, TimeProvider time, CancellationToken cancellationToken,
        Func<CapsuleRecord, bool>? waitingWhile = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        waitingWhile ??= static record => record.Status is Statuses.Pending or Statuses.Starting;
        var deadline = time.GetUtcNow() + limit;
        while (true)
        {
            // Taken before the read, so that a change between the read and the wait still wakes it.
            var moved = store.NextMove(id);
            try
            {
                var record = team is { } owner
                    ? await store.GetAsync(owner, id, cancellationToken).ConfigureAwait(false)
                    : await store.GetAnyAsync(id, cancellationToken).ConfigureAwait(false);
                if (record is null || !waitingWhile(record) || time.GetUtcNow() >= deadline)
                {
                    return record;
                }

                using (CapsuleWork.Measure())
                {
                    await moved.WaitAsync(PollInterval, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
            finally
            {
                store.ReleaseMove(id, moved);
            }
        }
    }
}
