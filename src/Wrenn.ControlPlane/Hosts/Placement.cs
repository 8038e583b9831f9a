using Wrenn.ControlPlane.Api;
using Wrenn.ControlPlane.Capsules;
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

    /// <summary>
    /// The hosts that have room for the capsule now, best first, each with the room it offers. The
    /// insert checks that room again under the host's lock (<see cref="Capsules.CapsuleStore.InsertAsync"/>),
    /// so concurrent creates — of this server or another sharing the database — never over-commit a host.
    /// </summary>
    public async Task<IReadOnlyList<HostRoom>> CandidatesAsync(TeamId team, long vcpus, long memoryMb, CancellationToken cancellationToken)
    {
        var candidates = await store.PlaceableAsync(cancellationToken).ConfigureAwait(false);
        return candidates
            .Where(host => (host.Type == HostType.Regular || host.Team == team) && hosts.IsConnected(host.Id.Value))
            .Select(host => (Host: host, Room: RoomOf(host)))
            .Where(candidate => candidate.Host.ReservedVcpus + vcpus <= candidate.Room.Vcpus && candidate.Host.ReservedMemoryMb + memoryMb <= candidate.Room.MemoryMb)
            .OrderByDescending(candidate => candidate.Room.MemoryMb - candidate.Host.ReservedMemoryMb)
            .ThenBy(candidate => candidate.Host.ReservedVcpus)
            .Select(candidate => candidate.Room)
            .ToList();
    }

    /// <summary>The room of the host a paused capsule's snapshot is on (it resumes there).</summary>
    public async Task<HostRoom> RoomOnAsync(string? hostId, CancellationToken cancellationToken)
    {
        var host = hostId is null ? null : await store.GetAsync(new HostId(hostId), cancellationToken).ConfigureAwait(false);
        return host is { CpuCores: { } cores, MemoryMb: { } memory }
            ? new HostRoom(host.Id, cores * VcpuOvercommit, memory)
            // A capsule from before hosts were recorded: the in-process host, as it was placed.
            : new HostRoom(hostId ?? string.Empty, long.MaxValue / 2, long.MaxValue / 2);
    }

    /// <summary>The 503 a create or resume gets when no host has room.</summary>
    public static ApiException NoRoom() =>
        new(ApiErrorCode.NoHostsAvailable, "no host has room for the capsule now") { RetryAfterSeconds = RetryAfterSeconds };

    private static HostRoom RoomOf(PlaceableHost host) => new(host.Id.Value, host.CpuCores * VcpuOvercommit, host.MemoryMb);
}
