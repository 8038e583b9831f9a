namespace Wrenn.Client;

/// <summary>A host to create.</summary>
public sealed class CreateHostOptions
{
    /// <summary>The platform's (platform admins) or a team's own (its owners and admins; <see cref="TeamId"/> required).</summary>
    public HostType Type { get; init; } = HostType.Regular;

    /// <summary>For a <see cref="HostType.Byoc"/> host, its team; refused for a regular one.</summary>
    public TeamId? TeamId { get; init; }

    /// <summary>A free-form provider name.</summary>
    public string? Provider { get; init; }

    /// <summary>A free-form availability zone.</summary>
    public string? AvailabilityZone { get; init; }
}
