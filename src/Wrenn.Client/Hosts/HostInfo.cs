namespace Wrenn.Client;

// Not named Host: Microsoft.Extensions.Hosting.Host is in scope in most applications.

/// <summary>A machine that runs capsules.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Type">Whose it is.</param>
/// <param name="TeamId">For a BYOC host, its team.</param>
/// <param name="Status">Where it is.</param>
/// <param name="Address">Its agent's <c>host:port</c> (<c>in-process</c> for the server's own), once registered.</param>
/// <param name="Arch">Its CPU architecture, once registered.</param>
/// <param name="CpuCores">Its CPU cores, once registered.</param>
/// <param name="MemoryMb">Its memory in MiB, once registered.</param>
/// <param name="DiskGb">Its disk in GB, once registered.</param>
/// <param name="Provider">A free-form provider name given at create.</param>
/// <param name="AvailabilityZone">A free-form zone given at create.</param>
/// <param name="LastHeartbeatAt">Its last heartbeat.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">Its last change.</param>
public sealed record HostInfo(
    HostId Id,
    HostType Type,
    TeamId? TeamId,
    HostStatus Status,
    string? Address,
    string? Arch,
    int? CpuCores,
    long? MemoryMb,
    long? DiskGb,
    string? Provider,
    string? AvailabilityZone,
    DateTimeOffset? LastHeartbeatAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A pending host and the token its agent registers with (64 hex digits, single use, valid 1 h, shown only here).</summary>
/// <param name="Host">The host.</param>
/// <param name="RegistrationToken">The token.</param>
public sealed record HostRegistration(HostInfo Host, string RegistrationToken)
{
    /// <summary>Prints the host but not the token: records print every member, and logs must not get a secret.</summary>
    public override string ToString() => $"HostRegistration {{ Host = {Host}, RegistrationToken = (hidden) }}";
}

/// <summary>The JSON body of a drain.</summary>
internal sealed record DrainBody(bool PauseRunning);
