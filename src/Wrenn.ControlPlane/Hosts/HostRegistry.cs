using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Audit;
using Wrenn.ControlPlane.Capsules;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Managing hosts (spec §7.4): create with a one-time registration token, list, drain, delete.
/// What a host's own agent does (register, refresh, heartbeat) is <see cref="HostEnrollment"/>.
/// </summary>
internal sealed partial class HostRegistry(
    HostStore store, HostAccess access, CapsuleLifecycle lifecycle, AuditLog audit, TimeProvider time, ILogger<HostRegistry> logger)
{
    private const int MaxLabelLength = 64;

    /// <summary>Capsules that keep a host from being deleted without <c>force</c>.</summary>
    private static readonly IReadOnlyList<string> HoldingStatuses = [.. HostStore.LiveCapsuleStatuses, Statuses.Missing];

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<HostTokenView> CreateAsync(Caller caller, HostCreateRequest body, CancellationToken cancellationToken)
    {
        ApiException.Require(body.Type is not null, "type is required (regular or byoc)");
        var type = body.Type!.Value;
        TeamId? team = null;
        if (type == HostType.Byoc)
        {
            ApiException.Require(TeamId.TryParse(body.TeamId, out var parsed), "team_id is required for byoc hosts and must be a team id");
            team = parsed;
        }
        else
        {
            ApiException.Require(body.TeamId is null, "team_id applies to byoc hosts only");
        }

        ApiException.Require(body.Provider is null or { Length: >= 1 and <= MaxLabelLength }, $"provider must be 1 to {MaxLabelLength} characters");
        ApiException.Require(body.AvailabilityZone is null or { Length: >= 1 and <= MaxLabelLength }, $"availability_zone must be 1 to {MaxLabelLength} characters");
        await access.RequireCreateAsync(caller, type, team, cancellationToken).ConfigureAwait(false);

        var now = Now;
        var host = new HostRecord(
            HostId.New().Value, type, team?.Value, HostStatus.Pending, null, null, null, null, null, body.Provider, body.AvailabilityZone, null, now, now,
            0, 0, 0, null, (team ?? caller.Team).Value);
        var token = HostTokens.New();
        await store.InsertAsync(host, HostTokens.Hash(token), now + (long)HostTokens.RegistrationLifetime.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
        await AuditAsync(caller, host, "host.create").ConfigureAwait(false);
        return new HostTokenView(HostView.Of(host), token);
    }

    /// <summary>A new registration token for a pending host; the previous one stops working.</summary>
    public async Task<HostTokenView> NewTokenAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var host = await VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false);
        var token = HostTokens.New();
        var now = Now;
        if (!await store.SetRegistrationAsync(host.HostId, HostTokens.Hash(token), now + (long)HostTokens.RegistrationLifetime.TotalMilliseconds, now, cancellationToken)
            .ConfigureAwait(false))
        {
            throw ApiException.State("only a pending host gets a registration token");
        }

        return new HostTokenView(HostView.Of((await store.GetAsync(host.HostId, cancellationToken).ConfigureAwait(false)) ?? host), token);
    }

    public async Task<IReadOnlyList<HostView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        var scope = await access.ListScopeAsync(caller, cancellationToken).ConfigureAwait(false);
        return (await store.ListAsync(scope, cancellationToken).ConfigureAwait(false)).Select(HostView.Of).ToList();
    }

    public async Task<HostView> GetAsync(Caller caller, string id, CancellationToken cancellationToken) =>
        HostView.Of(await VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Deletes the host. Its capsules that hold or may hold resources there refuse this (409
    /// <c>host_has_capsules</c>) unless <paramref name="force"/>, which stops them.
    /// </summary>
    public async Task DeleteAsync(Caller caller, string id, bool force, CancellationToken cancellationToken)
    {
        var host = await VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false);
        var capsules = await store.CapsulesOnAsync(host.HostId, HoldingStatuses, cancellationToken).ConfigureAwait(false);
        if (capsules.Count > 0 && !force)
        {
            throw new ApiException(ApiErrorCode.HostHasCapsules, "the host still has capsules; delete them first or pass force=true")
            {
                CapsuleIds = capsules.Select(capsule => capsule.Id).ToList(),
            };
        }

        foreach (var capsule in capsules)
        {
            await lifecycle.DeleteAsync(Caller.System(new TeamId(capsule.TeamId)), capsule.Id, "host deleted").ConfigureAwait(false);
        }

        await store.DeleteAsync(host.HostId, cancellationToken).ConfigureAwait(false);
        await AuditAsync(caller, host, "host.delete", force ? new Dictionary<string, string> { ["force"] = "true" } : null).ConfigureAwait(false);
    }

    /// <summary>
    /// online → draining: no new capsules go there. With <paramref name="pauseRunning"/> its running
    /// capsules are paused (on their teams' behalf); one that cannot be paused keeps running.
    /// </summary>
    public async Task<HostView> DrainAsync(Caller caller, string id, bool pauseRunning, CancellationToken cancellationToken)
    {
        var host = await ChangeStatusAsync(caller, id, [HostStatus.Online, HostStatus.Draining], HostStatus.Draining, "only an online host can drain", cancellationToken)
            .ConfigureAwait(false);
        if (pauseRunning)
        {
            foreach (var capsule in await store.CapsulesOnAsync(host.HostId, [Statuses.Running], cancellationToken).ConfigureAwait(false))
            {
                await PauseForDrainAsync(capsule, cancellationToken).ConfigureAwait(false);
            }
        }

        return HostView.Of(host);
    }

    public async Task<HostView> UndrainAsync(Caller caller, string id, CancellationToken cancellationToken) =>
        HostView.Of(await ChangeStatusAsync(caller, id, [HostStatus.Draining, HostStatus.Online], HostStatus.Online, "only a draining host can be undrained",
            cancellationToken).ConfigureAwait(false));

    private async Task<HostRecord> ChangeStatusAsync(
        Caller caller, string id, IReadOnlyCollection<HostStatus> from, HostStatus to, string refusal, CancellationToken cancellationToken)
    {
        var host = await VisibleAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (!await store.TransitionAsync(host.HostId, from, to, Now, cancellationToken).ConfigureAwait(false))
        {
            throw ApiException.State(refusal);
        }

        return (await store.GetAsync(host.HostId, cancellationToken).ConfigureAwait(false)) ?? throw ApiException.NotFound("host");
    }

    private async Task PauseForDrainAsync(CapsuleRecord capsule, CancellationToken cancellationToken)
    {
        try
        {
            await lifecycle.PauseAsync(Caller.System(new TeamId(capsule.TeamId)), capsule.Id, automatic: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is ApiException or Wrenn.Host.Protocol.CapsuleException or Wrenn.Host.Protocol.HostUnavailableException)
        {
            // Paused or deleted meanwhile, over its team's snapshot quota, or the pause failed:
            // the capsule runs on, and the drain itself stands.
            LogDrainPauseFailed(logger, capsule.Id, capsule.HostId, exception.Message);
        }
    }

    private async Task<HostRecord> VisibleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var host = HostId.TryParse(id, out var hostId) ? await store.GetAsync(hostId, cancellationToken).ConfigureAwait(false) : null;
        return await access.RequireHostAsync(caller, host, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Host entries go to the audit log of the host's team: its BYOC team, or the team it was created from.</summary>
    private Task AuditAsync(Caller caller, HostRecord host, string action, IReadOnlyDictionary<string, string>? metadata = null) =>
        audit.RecordAsync(host.AuditTeamId is { } team ? caller with { Team = new TeamId(team) } : caller, "host", host.Id, action, success: true, metadata);

    [LoggerMessage(EventId = 4961, Level = LogLevel.Warning, Message = "Draining host {Host}: capsule {Capsule} was not paused ({Reason})")]
    private static partial void LogDrainPauseFailed(ILogger logger, string capsule, string? host, string reason);
}
