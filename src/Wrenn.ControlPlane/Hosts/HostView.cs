namespace Wrenn.ControlPlane.Hosts;

/// <summary>The Host object of the API (spec §7.4).</summary>
internal sealed record HostView(
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
    DateTimeOffset? LastHeartbeatAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static HostView Of(HostRecord host) => new(
        host.Id, host.Type, host.TeamId, host.Status, host.Address, host.Arch, host.CpuCores, host.MemoryMb, host.DiskGb, host.Provider,
        host.AvailabilityZone, host.LastHeartbeatAt is { } beat ? DateTimeOffset.FromUnixTimeMilliseconds(beat) : null,
        DateTimeOffset.FromUnixTimeMilliseconds(host.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(host.UpdatedAt));
}

/// <summary>A new host, or a new registration token of a pending one: the token is shown here only.</summary>
internal sealed record HostTokenView(HostView Host, string RegistrationToken);

/// <summary>What a registering or refreshing agent receives: its credentials and certificates (a refresh without a CSR: no new certificate, null).</summary>
internal sealed record HostEnrollmentView(
    HostView Host, string HostToken, DateTimeOffset HostTokenExpiresAt, string RefreshToken, string? CertPem, string CaCertPem);

internal sealed class HostCreateRequest
{
    public HostType? Type { get; set; }

    public string? TeamId { get; set; }

    public string? Provider { get; set; }

    public string? AvailabilityZone { get; set; }
}

internal sealed class HostRegisterRequest
{
    public string? Token { get; set; }

    public string? Address { get; set; }

    public string? Arch { get; set; }

    public long? CpuCores { get; set; }

    public long? MemoryMb { get; set; }

    public long? DiskGb { get; set; }

    public string? CsrPem { get; set; }
}

internal sealed class HostRefreshRequest
{
    public string? RefreshToken { get; set; }

    public string? CsrPem { get; set; }
}

internal sealed class HostHeartbeatRequest
{
    public long? CapsulesRunning { get; set; }

    public long? MemoryMbUsed { get; set; }

    public long? DiskGbUsed { get; set; }
}

internal sealed class HostDrainRequest
{
    public bool? PauseRunning { get; set; }
}
