using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>
/// Chooses the host a new capsule goes to: an online host this server is connected to, of the
/// platform or of the capsule's team (BYOC), with room for its vCPUs and memory next to the starting
/// and running capsules already there; the one with the most memory left wins. vCPUs may be
/// committed <see cref="VcpuOvercommit"/> times over (most capsules idle most of the time); memory
/// is never over-committed.
/// </summary>
internal sealed class Placement(HostStore store, CapsuleHosts hosts)
{
    public const int VcpuOvercommit = 4;

    /// <summary>How long a client is told to wait when no host has room.</summary>
    private const int RetryAfterSeconds = 10;

    public async Task<HostId> ChooseAsync(TeamId team, long vcpus, long memoryMb, CancellationToken cancellationToken)
    {
        var candidates = await store.PlaceableAsync(cancellationToken).ConfigureAwait(false);
        var chosen = candidates
            .Where(host => (host.Type == HostType.Regular || host.Team == team) && hosts.IsConnected(host.Id.Value))
            .Where(host => host.ReservedVcpus + vcpus <= host.CpuCores * VcpuOvercommit && host.ReservedMemoryMb + memoryMb <= host.MemoryMb)
            .OrderByDescending(host => host.MemoryMb - host.ReservedMemoryMb)
            .ThenBy(host => host.ReservedVcpus)
            .FirstOrDefault();
        return chosen?.Id ?? throw new ApiException(ApiErrorCode.NoHostsAvailable, "no host has room for the capsule now") { RetryAfterSeconds = RetryAfterSeconds };
    }
}
