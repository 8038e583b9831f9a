using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Who may see and manage hosts (spec §7.4): platform admins every host; a team's owners and
/// admins that team's BYOC hosts. A host the caller may not see is answered like an unknown one.
/// </summary>
internal sealed class HostAccess(Accounts accounts)
{
    private static readonly string[] ManagingRoles = ["owner", "admin"];

    public async Task<bool> IsPlatformAdminAsync(Caller caller, CancellationToken cancellationToken) =>
        caller.User is { } user && await accounts.FindUserAsync(user, cancellationToken).ConfigureAwait(false) is { IsAdmin: not 0 };

    /// <summary>Regular hosts: platform admins. BYOC hosts: also the owners and admins of <paramref name="team"/> (a non-member gets 404).</summary>
    public async Task RequireCreateAsync(Caller caller, HostType type, TeamId? team, CancellationToken cancellationToken)
    {
        if (await IsPlatformAdminAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (type == HostType.Regular)
        {
            throw new ApiException(ApiErrorCode.Forbidden, "only platform admins manage regular hosts");
        }

        var role = await accounts.RoleAsync(team!.Value, caller.User!.Value, cancellationToken).ConfigureAwait(false) ?? throw ApiException.NotFound("team");
        RequireManagingRole(role);
    }

    /// <summary>The host if the caller may see and manage it; 404 when it may not even see it, 403 when its role is too low.</summary>
    public async Task<HostRecord> RequireHostAsync(Caller caller, HostRecord? host, CancellationToken cancellationToken)
    {
        if (host is null)
        {
            throw ApiException.NotFound("host");
        }

        if (await IsPlatformAdminAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return host;
        }

        var role = host.Type == HostType.Byoc && host.TeamId is { } team
            ? await accounts.RoleAsync(new TeamId(team), caller.User!.Value, cancellationToken).ConfigureAwait(false)
            : null;
        RequireManagingRole(role ?? throw ApiException.NotFound("host"));
        return host;
    }

    /// <summary>Whose hosts the caller lists: all (null) for platform admins, else the session team's BYOC hosts (owners and admins only).</summary>
    public async Task<TeamId?> ListScopeAsync(Caller caller, CancellationToken cancellationToken)
    {
        if (await IsPlatformAdminAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        RequireManagingRole(caller.Role);
        return caller.Team;
    }

    private static void RequireManagingRole(string? role)
    {
        if (!ManagingRoles.Contains(role))
        {
            throw new ApiException(ApiErrorCode.Forbidden, "only platform admins and the team's owners and admins manage its hosts");
        }
    }
}
