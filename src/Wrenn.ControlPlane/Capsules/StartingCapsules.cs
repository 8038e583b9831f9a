namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// Waits out a capsule's start (create or resume): a guest operation, stream or proxied request
/// that arrives while the capsule is pending or starting goes through once it runs (spec §3.3),
/// instead of failing because a restore was still finishing.
/// </summary>
internal static class StartingCapsules
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Reads the capsule until it is neither pending nor starting, or <paramref name="limit"/> passes; returns the last read.</summary>
    public static async Task<CapsuleRecord?> WaitAsync(
        Func<CancellationToken, Task<CapsuleRecord?>> read, TimeSpan limit, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        var deadline = time.GetUtcNow() + limit;
        while (true)
        {
            var record = await read(cancellationToken).ConfigureAwait(false);
            if (record is not { Status: Statuses.Pending or Statuses.Starting } || time.GetUtcNow() >= deadline)
            {
                return record;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
