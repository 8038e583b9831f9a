using System.Text.Json;
using Wrenn.ControlPlane.Identity;

namespace Wrenn.ControlPlane.Hosts;

/// <summary>Who a host belongs to (spec §7.4): the platform, or one team (bring your own compute).</summary>
internal enum HostType
{
    Regular,
    Byoc,
}

/// <summary>A host's status (spec §7.4); stored and sent as the lowercase name.</summary>
internal enum HostStatus
{
    /// <summary>Created; waiting for its agent to register with the registration token.</summary>
    Pending,
    Online,
    /// <summary>Gets no new capsules; keeps (or paused) its running ones.</summary>
    Draining,
    /// <summary>No heartbeat for longer than the liveness threshold; its capsules are <c>missing</c>.</summary>
    Unreachable,
}

internal static class HostWire
{
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}

/// <summary>
/// A host row without its token hashes (those never leave <see cref="HostStore"/>). Times are Unix
/// milliseconds; capacity is null until the host registered.
/// </summary>
internal sealed record HostRecord(
    string Id,
    HostType Type,
    string? TeamId,
    HostStatus Status,
    string? Address,
    string? Arch,
    long? CpuCores,
    long? MemoryMb,
    long? DiskGb,
    string? Provider,
    string? AvailabilityZone,
    long? LastHeartbeatAt,
    long CreatedAt,
    long UpdatedAt,
    long CapsulesRunning,
    long MemoryMbUsed,
    long DiskGbUsed,
    string? UnreachableFrom,
    string? AuditTeamId)
{
    public HostId HostId => new(Id);
}

/// <summary>What a heartbeat reports; all zero for an empty heartbeat body.</summary>
internal sealed record HostUsage(long CapsulesRunning, long MemoryMbUsed, long DiskGbUsed)
{
    public static HostUsage None { get; } = new(0, 0, 0);
}

/// <summary>What a host's agent reports at registration.</summary>
internal sealed record HostCapacity(string Address, string Arch, long CpuCores, long MemoryMb, long DiskGb);

/// <summary>
/// An online host as placement sees it: its capacity, what its last heartbeat reported, and what
/// the control plane has reserved on it (vCPUs and memory of its starting and running capsules).
/// </summary>
internal sealed record PlaceableHost(
    HostId Id,
    HostType Type,
    TeamId? Team,
    string Address,
    long CpuCores,
    long MemoryMb,
    long DiskGb,
    HostUsage Reported,
    long ReservedVcpus,
    long ReservedMemoryMb);
