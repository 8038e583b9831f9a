using System.Diagnostics;
using System.Text.Json;
using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Telemetry;
using Wrenn.ControlPlane.Hosts;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.Capsules;

/// <summary>
/// The capsule state machine (spec §3.3) over the capsules' hosts: each transition is a
/// compare-and-set on the stored status, and lifecycle operations of one capsule run one at a
/// time (a request waits for the operation in progress, then is judged against its outcome).
/// Create and resume answer within the reply window and finish in the background if slower.
/// </summary>
internal sealed partial class CapsuleLifecycle(
    CapsuleStore store,
    CapsuleHosts hosts,
    Placement placement,
    CapsuleGates gates,
    CapsuleActivity activity,
    CapsuleConnections connections,
    Snapshots.TemplateCollector templates,
    AuditLog audit,
    ApiMetrics metrics,
    ControlPlaneOptions options,
    TimeProvider time,
    ILogger<CapsuleLifecycle> logger)
{
    // Capacity frees up when a capsule of the team pauses or ends: worth retrying in a while.
    private const int QuotaRetrySeconds = 10;

    /// <summary>How long create and resume hold their reply before answering with the current status.</summary>
    public static readonly TimeSpan ReplyWindow = TimeSpan.FromSeconds(4);

    // How long traffic for an auto-resumed capsule waits for it to run (a resume takes about a second).
    private static readonly TimeSpan WakeWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a create may take, template snapshot build included: a template whose image runs
    /// a recipe first (code-runner-beta starts Jupyter and a kernel: ~70 s here under TCG, twice that
    /// on slower machines) must fit.
    /// </summary>
    private static readonly TimeSpan CreateLimit = TimeSpan.FromMinutes(10);


    /// <summary>
    /// Records a new capsule as <c>pending</c> within the team's quotas and starts it; see
    /// <see cref="ReplyWindow"/>. Null when a concurrent create with the same Idempotency-Key won.
    /// </summary>
    public async Task<CapsuleRecord?> CreateAsync(Caller caller, CapsuleRecord pending, CapsuleSpec spec)
    {
        var gate = LockOf(pending.Id);
        await gate.WaitAsync().ConfigureAwait(false);
        var outcome = InsertOutcome.NoRoom;
        try
        {
            // Best host first; one whose room another create took meanwhile gives way to the next. A
            // capsule of a snapshot template can only go where the template is.
            var required = pending.HostId;
            var candidates = await placement.CandidatesAsync(new TeamId(pending.TeamId), pending.Vcpus, pending.MemoryMb, CancellationToken.None).ConfigureAwait(false);
            foreach (var room in candidates.Where(room => required is null || room.HostId == required))
            {
                pending = pending with { HostId = room.HostId };
                outcome = await store.InsertAsync(pending, options.Quotas, pending.CreatedAt - (long)CapsuleStore.IdempotencyWindow.TotalMilliseconds, room,
                    CancellationToken.None).ConfigureAwait(false);
                if (outcome != InsertOutcome.NoRoom)
                {
                    break;
                }
            }

            if (outcome == InsertOutcome.Inserted)
            {
                // The row exists now: other control planes wait for this create like this one's requests do.
                await gate.ClaimAsync().ConfigureAwait(false);
            }
        }
        catch
        {
            gate.Release();
            throw;
        }

        if (outcome != InsertOutcome.Inserted)
        {
            gate.Release();
            return outcome switch
            {
                InsertOutcome.QuotaExceeded => throw QuotaExceeded(pending),
                InsertOutcome.NoRoom => throw Placement.NoRoom(),
                _ => null,
            };
        }

        var work = Task.Run(async () =>
        {
            try
            {
                await StartAsync(caller, pending, spec).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        });
        return await AnswerAsync(pending.Id, work, "capsule failed to start").ConfigureAwait(false);
    }

    public async Task<CapsuleRecord> PauseAsync(Caller caller, string id, bool automatic, CancellationToken cancellationToken)
    {
        var gate = LockOf(id);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var record = await store.GetAnyAsync(id, CancellationToken.None).ConfigureAwait(false);
            if (record?.Status != Statuses.Running)
            {
                throw ApiException.State("only a running capsule can be paused");
            }

            // Auto-pause frees CPU and memory, which matters more than disk: only a pause the team
            // asked for is held to its snapshot quota.
            if (!automatic)
            {
                await RequireSnapshotRoomAsync(new TeamId(record.TeamId), cancellationToken).ConfigureAwait(false);
            }

            var operation = automatic ? "auto_pause" : "pause";
            var watch = Stopwatch.StartNew();
            connections.CloseAll(id, CloseReason.Paused);
            int generation;
            try
            {
                using var vmWork = CapsuleWork.Measure();
                generation = await hosts.For(record).PauseAsync(ToRuntimeId(id), CancellationToken.None).ConfigureAwait(false);
            }
            catch (CapsuleException)
            {
                metrics.Observe(operation, success: false, watch.Elapsed);
                await audit.RecordAsync(caller, "capsule", id, "capsule." + operation, success: false).ConfigureAwait(false);
                throw;
            }

            await FlushActivityAsync(id).ConfigureAwait(false);
            await store.SetSnapshotGenerationAsync(id, generation, CancellationToken.None).ConfigureAwait(false);
            await store.TransitionAsync(id, Statuses.Running, Statuses.Paused, automatic ? "inactivity timeout" : null, CancellationToken.None).ConfigureAwait(false);
            await store.SetStoredBytesAsync(id, await hosts.For(record).DiskUsageAsync(ToRuntimeId(id), CancellationToken.None).ConfigureAwait(false), CancellationToken.None).ConfigureAwait(false);
            metrics.Observe(operation, success: true, watch.Elapsed);
            await audit.RecordAsync(caller, "capsule", id, "capsule." + operation, success: true).ConfigureAwait(false);
            return (await store.GetAnyAsync(id, CancellationToken.None).ConfigureAwait(false))!;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<CapsuleRecord> ResumeAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var gate = LockOf(id);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task work;
        CapsuleRecord? record;
        try
        {
            record = await store.GetAnyAsync(id, CancellationToken.None).ConfigureAwait(false);
            if (record?.Status == Statuses.Missing)
            {
                throw new ApiException(ApiErrorCode.HostUnavailable, "the capsule's host is unreachable") { RetryAfterSeconds = 5 };
            }

            // Paused, it resumes where there is room; no such host is a 503, not a wrong state.
            var outcome = record?.Status == Statuses.Paused ? ResumeOutcome.NoRoom : ResumeOutcome.WrongState;
            if (record?.Status == Statuses.Paused)
            {
                foreach (var room in await ResumeRoomsAsync(record).ConfigureAwait(false))
                {
                    outcome = await store.StartResumeAsync(record, options.Quotas, room, CancellationToken.None).ConfigureAwait(false);
                    if (outcome != ResumeOutcome.NoRoom)
                    {
                        break;
                    }
                }
            }

            switch (outcome)
            {
                case ResumeOutcome.QuotaExceeded:
                    throw QuotaExceeded(record!);
                case ResumeOutcome.NoRoom:
                    throw Placement.NoRoom();
                case ResumeOutcome.WrongState:
                    throw ApiException.State("only a paused capsule can be resumed");
            }
        }
        catch
        {
            gate.Release();
            throw;
        }

        work = Task.Run(async () =>
        {
            try
            {
                // Where StartResumeAsync placed it: its own host, or another one that fetches it from the store.
                await RestoreAsync(caller, record!, (await store.GetAnyAsync(id, CancellationToken.None).ConfigureAwait(false))!.HostId).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }, CancellationToken.None);
        return await AnswerAsync(id, work, "capsule could not be resumed; it is still paused").ConfigureAwait(false);
    }

    /// <summary>
    /// Where a paused capsule may resume, best first: the host holding its snapshot while that host
    /// takes capsules; when its latest pause is in the snapshot store, any host with room after it.
    /// </summary>
    private async Task<IReadOnlyList<HostRoom>> ResumeRoomsAsync(CapsuleRecord record)
    {
        var home = await placement.RoomOnAsync(record.HostId, CancellationToken.None).ConfigureAwait(false);
        if (!record.ResumableAnywhere)
        {
            return [home];
        }

        var candidates = await placement.CandidatesAsync(new TeamId(record.TeamId), record.Vcpus, record.MemoryMb, CancellationToken.None).ConfigureAwait(false);
        return [.. candidates.Where(room => room.HostId == home.HostId), .. candidates.Where(room => room.HostId != home.HostId)];
    }

    /// <summary>
    /// For traffic that arrives for a paused capsule created with <c>auto_resume</c> (the port
    /// proxy, exec and files calls): resumes it on the team's behalf — or joins the resume another
    /// request started — and waits until it runs. Returns the capsule as it is then.
    /// </summary>
    public async Task<CapsuleRecord?> WakeAsync(CapsuleRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            await ResumeAsync(Caller.System(new TeamId(record.TeamId)), record.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException exception) when (exception.Code == ApiErrorCode.InvalidState)
        {
            // Another request's resume got there first (or it was deleted): see where it stands.
        }

        return await StartingCapsules.WaitAsync(store, record.Id, null, WakeWait, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>429 when the team's paused capsules and templates already take its snapshot quota (spec §2.4, operator setting).</summary>
    public async Task RequireSnapshotRoomAsync(TeamId team, CancellationToken cancellationToken)
    {
        if (options.Quotas.MaxSnapshotBytes > 0
            && await store.StoredBytesAsync(team, cancellationToken).ConfigureAwait(false) >= options.Quotas.MaxSnapshotBytes)
        {
            throw QuotaExceeded("the team's snapshots are at their storage quota");
        }
    }

    private static ApiException QuotaExceeded(string message) => new(ApiErrorCode.QuotaExceeded, message) { RetryAfterSeconds = QuotaRetrySeconds };

    /// <summary>429; with Retry-After only when the capsule would fit once others stop.</summary>
    private ApiException QuotaExceeded(CapsuleRecord capsule) => options.Quotas.TooLargeAlone(capsule.Vcpus, capsule.MemoryMb)
        ? new(ApiErrorCode.QuotaExceeded, "a capsule of this size alone exceeds the team's quota")
        : QuotaExceeded("the team's running capsules are at their quota");

    /// <summary>Deletes from any status; the capsule's record stays readable as <c>stopped</c>.</summary>
    public async Task DeleteAsync(Caller caller, string id, string reason = "deleted")
    {
        var gate = LockOf(id);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var record = await store.GetAnyAsync(id, CancellationToken.None).ConfigureAwait(false);
            if (record is null || record.Status == Statuses.Stopped)
            {
                return;
            }

            var watch = Stopwatch.StartNew();
            var template = record.Template;
            connections.CloseAll(id, CloseReason.Deleted);
            await FlushActivityAsync(id).ConfigureAwait(false);
            // A capsule whose host is gone (missing, or paused with its snapshot in the store) is
            // stopped at once; the host removes its files when it is back (reconciliation).
            var hostGone = record.Status == Statuses.Missing || (record.ResumableAnywhere && record.HostId is { } host && !hosts.IsConnected(host));
            if (!hostGone)
            {
                using var vmWork = CapsuleWork.Measure();
                await hosts.For(record).DeleteAsync(ToRuntimeId(id), CancellationToken.None).ConfigureAwait(false);
            }

            while (record is not null && record.Status != Statuses.Stopped
                && !await store.TransitionAsync(id, record.Status, Statuses.Stopped, reason, CancellationToken.None).ConfigureAwait(false))
            {
                record = await store.GetAnyAsync(id, CancellationToken.None).ConfigureAwait(false);
            }

            activity.Forget(id);
            await templates.AfterCapsuleDeletedAsync(template).ConfigureAwait(false);
            metrics.Observe("delete", success: true, watch.Elapsed);
            await audit.RecordAsync(caller, "capsule", id, "capsule.delete", success: true).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Runs <paramref name="operation"/> under the capsule's lifecycle lock (snapshots).</summary>
    public async Task<T> ExclusiveAsync<T>(string id, Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        var gate = LockOf(id);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation().ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A VM died on its own: the capsule goes to <c>error</c> with a reason.</summary>
    public void OnCrashed(ICapsuleHost host, CapsuleId id, string reason)
    {
        connections.CloseAll(id.Value, CloseReason.Deleted);
        _ = Task.Run(async () =>
        {
            // Under the capsule's lock: an operation the crash cut short finishes first.
            var gate = LockOf(id.Value);
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var recorded = await store.TransitionAsync(id.Value, Statuses.Running, Statuses.Error, reason, CancellationToken.None).ConfigureAwait(false);
                if (recorded)
                {
                    // An error capsule can never run again: its disk and snapshots go now.
                    await host.DeleteAsync(id, CancellationToken.None).ConfigureAwait(false);
                }

                LogCrashed(logger, id.Value, recorded);
            }
            finally
            {
                gate.Release();
            }
        });
    }

    /// <summary>A host put a capsule's pause in the snapshot store: from now on it can resume on any host.</summary>
    public void OnSnapshotStored(string hostId, CapsuleId id, int generation) =>
        _ = Task.Run(async () =>
        {
            try
            {
                var recorded = await store.SetStoredGenerationAsync(id.Value, hostId, generation, time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None)
                    .ConfigureAwait(false);
                LogSnapshotStored(logger, id.Value, generation, recorded);
            }
            catch (Exception exception) when (exception is System.Data.Common.DbException or InvalidOperationException)
            {
                // The host reports it again at its next reconciliation (its inventory says so).
                LogStoredNotRecorded(logger, id.Value, exception);
            }
        });

    private async Task StartAsync(Caller caller, CapsuleRecord pending, CapsuleSpec spec)
    {
        var watch = Stopwatch.StartNew();
        await store.TransitionAsync(pending.Id, Statuses.Pending, Statuses.Starting, null, CancellationToken.None).ConfigureAwait(false);
        try
        {
            // A create never hangs its capsule in `starting`: past the limit it is an error.
            using var limit = new CancellationTokenSource(CreateLimit);
            var capsule = await hosts.For(pending).CreateAsync(spec, limit.Token).ConfigureAwait(false);
            var metadata = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["kernel_version"] = capsule.KernelVersion,
                ["agent_version"] = capsule.AgentVersion,
            });
            activity.Touch(pending.Id);
            await store.TransitionAsync(pending.Id, Statuses.Starting, Statuses.Running, null, CancellationToken.None, started: true, metadata).ConfigureAwait(false);
            metrics.Observe("create", success: true, watch.Elapsed);
            await audit.RecordAsync(caller, "capsule", pending.Id, "capsule.create", success: true,
                new Dictionary<string, string> { ["template"] = pending.Template }).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogStartFailed(logger, pending.Id, exception);
            await store.TransitionAsync(pending.Id, Statuses.Starting, Statuses.Error, "boot failed", CancellationToken.None).ConfigureAwait(false);
            metrics.Observe("create", success: false, watch.Elapsed);
            await audit.RecordAsync(caller, "capsule", pending.Id, "capsule.create", success: false).ConfigureAwait(false);
            throw;
        }
    }

    /// <param name="caller">Who resumes it.</param>
    /// <param name="paused">The capsule as it was paused.</param>
    /// <param name="target">The host it resumes on: another one than it paused on fetches its snapshot from the store.</param>
    private async Task RestoreAsync(Caller caller, CapsuleRecord paused, string? target)
    {
        var id = paused.Id;
        var host = hosts.For(target);
        var moved = target != paused.HostId;
        var watch = Stopwatch.StartNew();
        try
        {
            await host.ResumeAsync(ToRuntimeId(id), moved ? (int?)paused.SnapshotGeneration : null, CancellationToken.None).ConfigureAwait(false);
            activity.Touch(id);
            await store.TransitionAsync(id, Statuses.Starting, Statuses.Running, null, CancellationToken.None, started: true).ConfigureAwait(false);
            metrics.Observe("resume", success: true, watch.Elapsed);
            await audit.RecordAsync(caller, "capsule", id, "capsule.resume", success: true).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogResumeFailed(logger, id, exception);
            // A damaged copy in the store leaves the capsule paused where it was; a damaged snapshot
            // of its own host's is the end of it.
            var unusable = !moved && exception is CapsuleException { Failure: CapsuleFailure.SnapshotCorrupt };
            if (await store.TransitionAsync(id, Statuses.Starting, unusable ? Statuses.Error : Statuses.Paused, unusable ? "snapshot unusable" : null, CancellationToken.None)
                .ConfigureAwait(false) && unusable)
            {
                await host.DeleteAsync(ToRuntimeId(id), CancellationToken.None).ConfigureAwait(false);
            }

            if (moved)
            {
                await store.SetHostAsync(id, paused.HostId, CancellationToken.None).ConfigureAwait(false);
            }

            metrics.Observe("resume", success: false, watch.Elapsed);
            await audit.RecordAsync(caller, "capsule", id, "capsule.resume", success: false).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits for <paramref name="work"/> at most the reply window; a failure inside it is a 502
    /// naming the capsule, a slower success answers with the current status.
    /// </summary>
    private async Task<CapsuleRecord> AnswerAsync(string id, Task work, string failure)
    {
        Task ended;
        using (CapsuleWork.Measure())
        {
            ended = await Task.WhenAny(work, Task.Delay(ReplyWindow, time)).ConfigureAwait(false);
        }

        if (ended == work && work.IsFaulted)
        {
            if (work.Exception?.InnerException is CapsuleException { Failure: CapsuleFailure.SnapshotCorrupt or CapsuleFailure.StoreUnavailable } typed)
            {
                var mapped = ErrorReplies.FromCapsule(typed);
                throw new ApiException(mapped.Code, mapped.Message, typed)
                {
                    RetryAfterSeconds = mapped.RetryAfterSeconds,
                    Extra = new Dictionary<string, string> { ["capsule_id"] = id },
                };
            }

            throw new ApiException(ApiErrorCode.AgentError, failure, work.Exception)
            {
                Extra = new Dictionary<string, string> { ["capsule_id"] = id },
            };
        }

        return (await store.GetAnyAsync(id, CancellationToken.None).ConfigureAwait(false))!;
    }

    private async Task FlushActivityAsync(string id)
    {
        if (activity.LastActive(id) is { } lastActive)
        {
            await store.SetLastActiveAsync(id, lastActive, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private CapsuleGates.Gate LockOf(string id) => gates.For(id);

    public static CapsuleId ToRuntimeId(string id) =>
        CapsuleId.TryParse(id, out var parsed) ? parsed : throw ApiException.NotFound("capsule");

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Capsule {CapsuleId} failed to start")]
    private static partial void LogStartFailed(ILogger logger, string capsuleId, Exception exception);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Capsule {CapsuleId} failed to resume")]
    private static partial void LogResumeFailed(ILogger logger, string capsuleId, Exception exception);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Error, Message = "Capsule {CapsuleId} died (recorded as error: {Recorded})")]
    private static partial void LogCrashed(ILogger logger, string capsuleId, bool recorded);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Information, Message = "Capsule {CapsuleId}: pause {Generation} is in the snapshot store (recorded: {Recorded})")]
    private static partial void LogSnapshotStored(ILogger logger, string capsuleId, int generation, bool recorded);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "Capsule {CapsuleId}: recording that its pause is in the snapshot store failed")]
    private static partial void LogStoredNotRecorded(ILogger logger, string capsuleId, Exception exception);
}
