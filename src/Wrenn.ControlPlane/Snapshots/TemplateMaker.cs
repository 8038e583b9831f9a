using System.Diagnostics;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Telemetry;
using Wrenn.Host.Protocol;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Snapshots;

/// <summary>
/// Makes a team template from one of its capsules (spec §5.3; template builds end here too): the
/// capsule's memory, processes and disk as they are, the capsule running on unchanged.
/// </summary>
internal sealed class TemplateMaker(
    CapsuleStore store, CapsuleLifecycle lifecycle, CapsuleConnections connections, Hosts.CapsuleHosts hosts,
    TemplateCatalog catalog, TemplateCollector collector, AuditLog audit, ApiMetrics metrics, TimeProvider time)
{
    /// <summary>
    /// Snapshots the team's capsule <paramref name="capsuleId"/> (running or paused) into the template
    /// <paramref name="name"/>, replacing one of that name only with <paramref name="overwrite"/>.
    /// <paramref name="defaults"/> (a build's last USER and ENV) replace the capsule's own for the
    /// template's capsules. The template is the caller's team's, or with <paramref name="owner"/>
    /// <see cref="TemplateCatalog.PlatformTeam"/> every team's.
    /// </summary>
    public async Task<TemplateRecord> SnapshotAsync(
        Caller caller, CapsuleId capsuleId, string name, bool overwrite, GuestDefaults? defaults, CancellationToken cancellationToken, TeamId? owner = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var team = owner ?? caller.Team;
        _ = await store.GetAsync(caller.Team, capsuleId.Value, cancellationToken).ConfigureAwait(false) ?? throw NotFound("capsule");
        await lifecycle.RequireSnapshotRoomAsync(caller.Team, cancellationToken).ConfigureAwait(false);
        return await lifecycle.ExclusiveAsync(capsuleId.Value, async () =>
        {
            var record = (await store.GetAnyAsync(capsuleId.Value, CancellationToken.None).ConfigureAwait(false))!;
            if (record.Status is not (Statuses.Running or Statuses.Paused))
            {
                throw State("only a running or paused capsule can be snapshotted");
            }

            if (!overwrite && await catalog.GetAsync(team, name, CancellationToken.None).ConfigureAwait(false) is not null)
            {
                throw new ApiException(ApiErrorCode.Conflict, $"a template named {name} exists");
            }

            if (record.Status == Statuses.Running)
            {
                connections.CloseAll(record.Id, CloseReason.Paused);
            }

            var watch = Stopwatch.StartNew();
            var runtimeName = "team-template-" + Guid.NewGuid().ToString("N");
            var template = await collector.WhileSavingAsync(async () =>
            {
                HostTemplate snapshot;
                try
                {
                    using var vmWork = CapsuleWork.Measure();
                    snapshot = await hosts.For(record).SnapshotToTemplateAsync(capsuleId, runtimeName, defaults, CancellationToken.None).ConfigureAwait(false);
                }
                catch (CapsuleException)
                {
                    metrics.Observe("snapshot", success: false, watch.Elapsed);
                    await audit.RecordAsync(caller, "snapshot", name, "snapshot.create", success: false).ConfigureAwait(false);
                    throw;
                }

                var saved = new TemplateRecord(team.Value, name, runtimeName, snapshot.Vcpus, snapshot.MemoryMb,
                    snapshot.SizeBytes, time.GetUtcNow().ToUnixTimeMilliseconds(), snapshot.Defaults?.User,
                    snapshot.Defaults is { } kept ? System.Text.Json.JsonSerializer.Serialize(kept.Environment) : null, record.HostId, snapshot.BuildId,
                    snapshot.Stored ? 1 : 0, record.Id);
                return await catalog.SaveAsync(saved, overwrite, CancellationToken.None).ConfigureAwait(false)
                    ? saved
                    : throw new ApiException(ApiErrorCode.Conflict, $"a template named {name} exists");
            }, CancellationToken.None).ConfigureAwait(false);
            if (overwrite)
            {
                // The template it replaced may be mapped by nothing now.
                await collector.CollectAsync(CancellationToken.None).ConfigureAwait(false);
            }

            metrics.Observe("snapshot", success: true, watch.Elapsed);
            await audit.RecordAsync(caller, "snapshot", name, "snapshot.create", success: true,
                new Dictionary<string, string> { ["capsule_id"] = record.Id }).ConfigureAwait(false);
            return template;
        }, cancellationToken).ConfigureAwait(false);
    }
}
