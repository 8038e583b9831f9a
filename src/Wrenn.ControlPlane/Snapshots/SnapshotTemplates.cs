using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Identity;
using Wrenn.Host.Protocol;
using static Wrenn.ControlPlane.Api.ApiException;

namespace Wrenn.ControlPlane.Snapshots;

/// <summary>
/// A team's snapshot templates as both APIs make and delete them (spec §5.3, §5.5; E2B's
/// snapshots and forks, docs/e2b.md): names checked against the rules and the reserved ones, the
/// capture itself in <see cref="TemplateMaker"/>.
/// </summary>
internal sealed class SnapshotTemplates(TemplateCatalog catalog, TemplateMaker maker, TemplateCollector collector, AuditLog audit)
{
    /// <summary>
    /// Snapshots the team's capsule into the template <paramref name="name"/> (null: a new
    /// <c>template-</c> name), replacing one of that name only with <paramref name="overwrite"/>.
    /// </summary>
    public async Task<TemplateRecord> CreateAsync(Caller caller, CapsuleId capsule, string? name, bool overwrite, CancellationToken cancellationToken)
    {
        name ??= "template-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        Require(TemplateCatalog.IsValidName(name), "name must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
        if (await catalog.IsTakenAsync(name, cancellationToken).ConfigureAwait(false))
        {
            throw new ApiException(ApiErrorCode.Conflict, $"the template name {name} is reserved");
        }

        return await maker.SnapshotAsync(caller, capsule, name, overwrite, defaults: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Snapshots the team's capsule under a new fork capture name (<see cref="TemplateCatalog.ForkCapturePrefix"/>).</summary>
    public Task<TemplateRecord> CaptureForForkAsync(Caller caller, CapsuleId capsule, CancellationToken cancellationToken) =>
        maker.SnapshotAsync(caller, capsule, TemplateCatalog.NewForkCaptureName(), overwrite: false, defaults: null, cancellationToken);

    /// <summary>
    /// Deletes the team's template <paramref name="name"/>: a platform template is a 403, an unknown
    /// one a 404. Capsules created from it keep working.
    /// </summary>
    public async Task DeleteAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (catalog.IsPlatform(name))
        {
            throw new ApiException(ApiErrorCode.Forbidden, "platform templates cannot be deleted");
        }

        if (!await catalog.DeleteAsync(caller.Team, name, cancellationToken).ConfigureAwait(false))
        {
            throw await catalog.GetAsync(TemplateCatalog.PlatformTeam, name, cancellationToken).ConfigureAwait(false) is null
                ? NotFound("template")
                : new ApiException(ApiErrorCode.Forbidden, "platform templates cannot be deleted");
        }

        // Its files go now unless capsules created from it still map them (then with the last of those).
        await collector.CollectAsync(CancellationToken.None).ConfigureAwait(false);
        await audit.RecordAsync(caller, "snapshot", name, "snapshot.delete", success: true).ConfigureAwait(false);
    }
}
