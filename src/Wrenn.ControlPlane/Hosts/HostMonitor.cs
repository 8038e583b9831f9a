using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Host liveness (spec §3.3, §7.4). Every <see cref="ControlPlaneOptions.HostCheckInterval"/>, an
/// online or draining host whose last heartbeat is older than
/// <see cref="ControlPlaneOptions.HostHeartbeatTimeout"/> becomes <c>unreachable</c> (audit
/// <c>host.down</c>) and its starting, running and paused capsules <c>missing</c>. A heartbeat from an
/// unreachable host brings it back to what it was (audit <c>host.up</c>), its missing capsules to
/// their status before, and raises <see cref="Returned"/> so the host's real inventory can be
/// reconciled. Each change is a compare-and-set, so several control planes may watch one database.
/// </summary>
internal sealed partial class HostMonitor(HostStore store, AuditLog audit, ControlPlaneOptions options, TimeProvider time, ILogger<HostMonitor> logger)
    : BackgroundService
{
    /// <summary>
    /// A host that was unreachable heartbeats again (its missing capsules are already restored).
    /// Handlers run on the heartbeat's path: start longer work in the background.
    /// </summary>
    public event Action<HostId>? Returned;

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Records a heartbeat; false when the host does not exist (deleted).</summary>
    public async Task<bool> HeartbeatAsync(HostId host, HostUsage usage, CancellationToken cancellationToken)
    {
        var now = Now;
        if (!await store.RecordHeartbeatAsync(host, usage, now, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        if (await store.ReturnAsync(host, now, CancellationToken.None).ConfigureAwait(false))
        {
            var restored = await store.RestoreMissingCapsulesAsync(host, now, CancellationToken.None).ConfigureAwait(false);
            LogUp(logger, host.Value, restored);
            await AuditAsync(host, "host.up").ConfigureAwait(false);
            Returned?.Invoke(host);
        }

        return true;
    }

    /// <summary>One liveness pass: every host silent for longer than the threshold becomes unreachable.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var now = Now;
        var cutoff = now - (long)options.HostHeartbeatTimeout.TotalMilliseconds;
        foreach (var host in await store.SilentSinceAsync(cutoff, cancellationToken).ConfigureAwait(false))
        {
            if (!await store.MarkUnreachableAsync(host.HostId, cutoff, now, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var missing = await store.MarkCapsulesMissingAsync(host.HostId, now, CancellationToken.None).ConfigureAwait(false);
            LogDown(logger, host.Id, missing);
            await AuditAsync(host.HostId, "host.down").ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.HostCheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await CheckAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A busy or briefly unavailable database: the next pass tries again.
                LogCheckFailed(logger, exception);
            }
        }
    }

    private async Task AuditAsync(HostId id, string action)
    {
        if (await store.GetAsync(id, CancellationToken.None).ConfigureAwait(false) is { AuditTeamId: { } team } host)
        {
            await audit.RecordAsync(Caller.System(new TeamId(team)), "host", host.Id, action, success: true).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 4962, Level = LogLevel.Warning, Message = "Host {Host} stopped heartbeating: unreachable, {Capsules} capsules missing")]
    private static partial void LogDown(ILogger logger, string host, int capsules);

    [LoggerMessage(EventId = 4963, Level = LogLevel.Information, Message = "Host {Host} is back: {Capsules} missing capsules restored")]
    private static partial void LogUp(ILogger logger, string host, int capsules);

    [LoggerMessage(EventId = 4964, Level = LogLevel.Error, Message = "Host liveness check failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}
