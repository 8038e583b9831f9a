using Wrenn.HostAgent.Capsules;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// At start, makes the database and the host agree (after a restart, graceful or not): VMs left
/// running are adopted and their capsules are <c>running</c>; capsules whose pause finished are
/// <c>paused</c>; capsules whose VM is gone are <c>error</c>; VMs of deleted capsules are removed.
/// From then on, a VM that dies on its own turns its capsule to <c>error</c>. At stop, lets go of
/// the VMs without stopping them.
/// </summary>
internal sealed partial class CapsuleReconciler(
    CapsuleRuntime runtime, CapsuleStore store, CapsuleLifecycle lifecycle, ILogger<CapsuleReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        runtime.Crashed += OnCrashed;
        var gone = await runtime.AdoptAllAsync(cancellationToken).ConfigureAwait(false);
        var live = await store.InStatusAsync([Statuses.Pending, Statuses.Starting, Statuses.Running, Statuses.Paused, Statuses.Missing], cancellationToken)
            .ConfigureAwait(false);
        var known = live.Select(record => record.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var record in live)
        {
            var id = CapsuleLifecycle.ToRuntimeId(record.Id);
            var actual = runtime.Find(id) is not null ? Statuses.Running
                : runtime.StatusOnDisk(id) == CapsuleStatus.Paused ? Statuses.Paused
                : Statuses.Error;
            if (actual != record.Status)
            {
                var reason = actual == Statuses.Error ? (record.Status == Statuses.Paused ? "snapshot unusable" : "host restarted") : null;
                await store.TransitionAsync(record.Id, record.Status, actual, reason, cancellationToken, started: actual == Statuses.Running).ConfigureAwait(false);
                LogReconciled(logger, record.Id, record.Status, actual);
            }
        }

        foreach (var orphan in runtime.Running.Where(capsule => !known.Contains(capsule.Id.Value)).ToList())
        {
            await runtime.DeleteAsync(orphan.Id, cancellationToken).ConfigureAwait(false);
            LogOrphanRemoved(logger, orphan.Id.Value);
        }

        LogStarted(logger, runtime.Running.Count, gone.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        runtime.Crashed -= OnCrashed;
        await runtime.DisposeAsync().ConfigureAwait(false);
    }

    private void OnCrashed(CapsuleId id, Wrenn.HostAgent.Vmm.VmExit exit) => lifecycle.OnCrashed(id, "vm exited unexpectedly");

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "Capsule {CapsuleId} was {Recorded}, is {Actual}")]
    private static partial void LogReconciled(ILogger logger, string capsuleId, string recorded, string actual);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Information, Message = "Removed capsule {CapsuleId}: the database does not know it")]
    private static partial void LogOrphanRemoved(ILogger logger, string capsuleId);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Information, Message = "Adopted {Running} running capsules; {Gone} had stopped while the server was down")]
    private static partial void LogStarted(ILogger logger, int running, int gone);
}
