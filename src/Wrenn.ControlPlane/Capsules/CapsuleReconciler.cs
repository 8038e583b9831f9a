using Wrenn.ControlPlane.Hosts;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// At start, makes the database and the host agree (after a restart, graceful or not): VMs left
/// running are adopted and their capsules are <c>running</c>; capsules whose pause finished are
/// <c>paused</c>; capsules whose VM is gone or did not answer in time are <c>error</c> with the
/// reason, and their files are removed, as are those of capsules the database does not know or no
/// longer needs, and of team templates nothing needs (<see cref="Snapshots.TemplateCollector"/>). No VM holds the start up: adoption is bounded per VM.
/// From then on, a VM that dies on its own turns its capsule to <c>error</c>. At stop, lets go of
/// the VMs without stopping them.
/// </summary>
internal sealed partial class CapsuleReconciler(
    CapsuleHosts hosts, LocalHost localHost, CapsuleStore store, CapsuleLifecycle lifecycle, Snapshots.TemplateCollector templates, ControlPlaneOptions options,
    TimeProvider time, ILogger<CapsuleReconciler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (hosts.Local is { } local && localHost.Id is { } id)
        {
            local.Crashed += OnCrashed;
            local.SnapshotStored += OnStored;
            await ReconcileAsync(id.Value, local, cancellationToken).ConfigureAwait(false);
        }

        await templates.CollectAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes the capsules recorded on <paramref name="hostId"/> agree with what the host has (at
    /// start, and whenever a remote host's connection is made again): running and paused as the
    /// host says, anything else is <c>error</c> with its files removed, as are files the database
    /// does not know. A <c>missing</c> capsule the host still has waits for the host's next
    /// heartbeat to get its status back.
    /// </summary>
    public async Task ReconcileAsync(string hostId, ICapsuleHost host, CancellationToken cancellationToken)
    {
        if (options.SnapshotStore is { } snapshotStore && (options.SnapshotStoreShared || host == hosts.Local))
        {
            await host.UseSnapshotStoreAsync(snapshotStore, cancellationToken).ConfigureAwait(false);
        }

        var inventory = await host.InventoryAsync(cancellationToken).ConfigureAwait(false);
        var isLocal = host == hosts.Local;
        var live = (await store.InStatusAsync([Statuses.Pending, Statuses.Starting, Statuses.Running, Statuses.Paused, Statuses.Missing], cancellationToken)
            .ConfigureAwait(false)).Where(record => record.HostId == hostId || (isLocal && record.HostId is null)).ToList();
        var known = live.Select(record => record.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var record in live)
        {
            var id = CapsuleLifecycle.ToRuntimeId(record.Id);
            var actual = inventory.Running.Contains(id) ? Statuses.Running
                : inventory.Paused.Contains(id) ? Statuses.Paused
                : Statuses.Error;
            var recorded = record.Status == Statuses.Missing ? record.MissingFrom ?? Statuses.Error : record.Status;
            if (actual != recorded || (record.Status == Statuses.Missing && actual == Statuses.Error))
            {
                var reason = actual != Statuses.Error ? null
                    : inventory.Failed.GetValueOrDefault(id) ?? (recorded == Statuses.Paused ? "snapshot unusable" : "host restarted");
                await store.TransitionAsync(record.Id, record.Status, actual, reason, cancellationToken, started: actual == Statuses.Running).ConfigureAwait(false);
                LogReconciled(logger, record.Id, record.Status, actual, reason);
            }

            if (actual == Statuses.Error)
            {
                known.Remove(record.Id);
            }
            else if (inventory.Stored.Contains(id) && record.SnapshotGeneration is { } generation && record.StoredGeneration != generation)
            {
                // Uploaded while this server did not hear of it (a restart of either side).
                await store.SetStoredGenerationAsync(record.Id, hostId, (int)generation, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
            }
        }

        // Files of capsules that can never run again here (error, stopped, unknown, or living on another
        // host now): their VMs stop too. A capsule resuming elsewhere keeps its files here until that
        // resume has succeeded: if it fails, the capsule is this host's again.
        var resumingElsewhere = (await store.InStatusAsync([Statuses.Starting], cancellationToken).ConfigureAwait(false))
            .Where(record => record.HostId != hostId).Select(record => record.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in inventory.Running.Concat(inventory.Paused).Concat(inventory.Failed.Keys)
            .Where(id => !known.Contains(id.Value) && !resumingElsewhere.Contains(id.Value)))
        {
            await host.DeleteAsync(orphan, cancellationToken).ConfigureAwait(false);
            LogFilesRemoved(logger, orphan.Value);
        }

        LogStarted(logger, hostId, inventory.Running.Count, inventory.Failed.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (hosts.Local is { } local)
        {
            local.Crashed -= OnCrashed;
            local.SnapshotStored -= OnStored;
        }

        return Task.CompletedTask;
    }

    private void OnCrashed(CapsuleId id, string reason) => lifecycle.OnCrashed(hosts.Local!, id, "vm exited unexpectedly");

    private void OnStored(CapsuleId id, int generation) => lifecycle.OnSnapshotStored(localHost.Id!.Value.Value, id, generation);

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "Capsule {CapsuleId} was {Recorded}, is {Actual} ({Reason})")]
    private static partial void LogReconciled(ILogger logger, string capsuleId, string recorded, string actual, string? reason);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Information, Message = "Removed the files of capsule {CapsuleId}: it can never run again")]
    private static partial void LogFilesRemoved(ILogger logger, string capsuleId);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Information, Message = "Host {Host}: {Running} capsules running; {Failed} could not be adopted")]
    private static partial void LogStarted(ILogger logger, string host, int running, int failed);
}
