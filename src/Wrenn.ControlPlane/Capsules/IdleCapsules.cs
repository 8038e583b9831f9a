using System.Collections.Concurrent;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// Auto-pause (spec §3.4): every second, pauses running capsules idle for their
/// <c>timeout_sec</c>, ends those whose absolute end has come (killed or paused as their
/// <see cref="CapsuleRecord.ExpiryAction"/> says: E2B's sandbox timeout), and writes the in-memory
/// activity clock to the database (≤ 5 s stale). A failed auto-pause leaves the capsule running and
/// is retried a minute later.
/// </summary>
internal sealed partial class IdleCapsules(
    CapsuleStore store, CapsuleLifecycle lifecycle, CapsuleActivity activity, ControlPlaneOptions options, TimeProvider time,
    ILogger<IdleCapsules> logger) : BackgroundService
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FlushEvery = TimeSpan.FromSeconds(4);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _failedAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _flushed = new(StringComparer.Ordinal);
    private DateTimeOffset _lastFlush;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.IdleScanInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await ScanAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogScanFailed(logger, exception);
            }
        }
    }

    private async Task ScanAsync(CancellationToken cancellationToken)
    {
        var running = await store.InStatusAsync([Statuses.Running], cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        foreach (var capsule in running.Where(capsule => capsule.TimeoutSec > 0))
        {
            var idle = activity.IdleFor(capsule.Id, capsule.LastActiveAt ?? capsule.StartedAt ?? capsule.CreatedAt);
            if (idle < TimeSpan.FromSeconds(capsule.TimeoutSec)
                || (_failedAt.TryGetValue(capsule.Id, out var failed) && now - failed < RetryAfter))
            {
                continue;
            }

            _ = EndAsync(capsule, system => lifecycle.PauseAsync(system, capsule.Id, automatic: true, cancellationToken));
        }

        foreach (var capsule in await store.ExpiredAsync(now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false))
        {
            if (!_failedAt.TryGetValue(capsule.Id, out var failed) || now - failed >= RetryAfter)
            {
                _ = EndAsync(capsule, system => capsule.ExpiryAction == ExpiryActions.Pause
                    ? lifecycle.PauseAsync(system, capsule.Id, automatic: true, cancellationToken)
                    : lifecycle.DeleteAsync(system, capsule.Id, reason: "expired"));
            }
        }

        if (now - _lastFlush >= FlushEvery)
        {
            _lastFlush = now;
            foreach (var (id, lastActive) in activity.Snapshot().ToList())
            {
                if (!_flushed.TryGetValue(id, out var written) || written != lastActive)
                {
                    await store.SetLastActiveAsync(id, lastActive, cancellationToken).ConfigureAwait(false);
                    _flushed[id] = lastActive;
                }
            }
        }
    }

    /// <summary>Pauses or deletes the capsule as the system caller of its team; a failure is retried a minute later.</summary>
    private async Task EndAsync(CapsuleRecord capsule, Func<Caller, Task> end)
    {
        try
        {
            _failedAt[capsule.Id] = time.GetUtcNow() + TimeSpan.FromDays(1); // in progress: not again meanwhile
            await end(Caller.System(new TeamId(capsule.TeamId))).ConfigureAwait(false);
            _failedAt.TryRemove(capsule.Id, out _);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _failedAt[capsule.Id] = time.GetUtcNow();
            LogAutoPauseFailed(logger, capsule.Id, exception);
        }
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Auto-pause or expiry of {CapsuleId} failed; retrying in a minute")]
    private static partial void LogAutoPauseFailed(ILogger logger, string capsuleId, Exception exception);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Error, Message = "Idle capsule scan failed")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);
}
