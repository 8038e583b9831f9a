using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;
using Wrenn.ControlPlane.Snapshots;
using Wrenn.Host.Protocol;

namespace Wrenn.ControlPlane.E2b;

/// <summary>
/// E2B's snapshots and forks on Wrenn's snapshot templates (docs/e2b.md): a snapshot is a team
/// template taken from the sandbox (paused for the capture, then running on as before), whose
/// name is the snapshot id a create takes as its template; a fork is such a capture under a
/// reserved throwaway name, sandboxes created from it, and the name deleted (they keep working);
/// one a crash left behind is swept (<see cref="ForkCaptureSweep"/>).
/// </summary>
internal sealed partial class SandboxSnapshots(
    Sandboxes sandboxes, SnapshotTemplates templates, TemplateCatalog catalog, Builds.BuildStore builds, ILogger<SandboxSnapshots> logger)
{
    public const int MaxForks = 10;

    /// <summary>
    /// Snapshots the team's sandbox into the template <paramref name="name"/> (null: a new name). As
    /// with E2B, a name in use gets the new snapshot.
    /// </summary>
    public async Task<TemplateRecord> SnapshotAsync(Caller caller, string id, string? name, CancellationToken cancellationToken)
    {
        var (_, capsule) = await SourceAsync(caller, id, cancellationToken).ConfigureAwait(false);
        return await templates.CreateAsync(caller, capsule, name, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The team's snapshots, of one source sandbox or one name when asked: its templates taken from
    /// a capsule, but not those a template build made from its own capsule, nor forks' captures.
    /// </summary>
    public async Task<IReadOnlyList<TemplateRecord>> ListAsync(Caller caller, string? sandboxId, string? name, CancellationToken cancellationToken)
    {
        var built = await builds.CapsuleIdsAsync(caller.Team, cancellationToken).ConfigureAwait(false);
        return (await catalog.ListAsync(caller.Team, cancellationToken).ConfigureAwait(false))
            .Where(template => template.SourceCapsule is { } source && !built.Contains(source) && !TemplateCatalog.IsForkCapture(template.Name)
                && (sandboxId is null || source == sandboxId) && (name is null || template.Name == name))
            .ToList();
    }

    public Task DeleteAsync(Caller caller, string snapshotId, CancellationToken cancellationToken) =>
        templates.DeleteAsync(caller, snapshotId, cancellationToken);

    /// <summary>
    /// Captures the sandbox once and creates <paramref name="count"/> sandboxes from that capture,
    /// each with the source's environment, user and metadata and <paramref name="timeoutSec"/> to
    /// live. Each fork succeeds or fails on its own: its entry is the sandbox or the failure.
    /// </summary>
    public async Task<IReadOnlyList<(Capsules.CapsuleRecord? Sandbox, ApiException? Failure)>> ForkAsync(
        Caller caller, string id, int count, int timeoutSec, CancellationToken cancellationToken)
    {
        ApiException.Require(count is >= 1 and <= MaxForks, $"count must be between 1 and {MaxForks}");
        Sandboxes.RequireTimeToLive(timeoutSec);
        var (source, capsule) = await SourceAsync(caller, id, cancellationToken).ConfigureAwait(false);
        var capture = await templates.CaptureForForkAsync(caller, capsule, cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                try
                {
                    return ((Capsules.CapsuleRecord?)await sandboxes.CreateFromAsync(caller, source, capture.Name, timeoutSec, cancellationToken).ConfigureAwait(false),
                        (ApiException?)null);
                }
                catch (Exception failure) when (failure is ApiException or CapsuleException)
                {
                    // The reply carries only the failure's fixed message; its detail is for the operator.
                    LogForkFailed(logger, failure, id);
                    return (null, failure as ApiException ?? ErrorReplies.FromCapsule((CapsuleException)failure));
                }
            })).ConfigureAwait(false);
        }
        finally
        {
            // The forks run on from their own copies; the capture's name is not the user's to see.
            try
            {
                await templates.DeleteAsync(caller, capture.Name, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ApiException gone) when (gone.Code == ApiErrorCode.NotFound)
            {
                // Deleted meanwhile (by the sweep, or by a user who found its name): nothing is left to do.
            }
        }
    }

    private async Task<(Capsules.CapsuleRecord Record, CapsuleId Id)> SourceAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var record = await sandboxes.GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        return CapsuleId.TryParse(record.Id, out var capsule) ? (record, capsule) : throw ApiException.NotFound("sandbox");
    }

    [LoggerMessage(EventId = 4990, Level = LogLevel.Warning, Message = "A fork of sandbox {SandboxId} did not start")]
    private static partial void LogForkFailed(ILogger logger, Exception failure, string sandboxId);
}
