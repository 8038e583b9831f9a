namespace Wrenn.ControlPlane;

/// <summary>Operator settings of the control plane; defaults are the spec's.</summary>
internal sealed record ControlPlaneOptions
{
    public required string DataDirectory { get; init; }

    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(6);

    public int MaxVcpus { get; init; } = 8;

    public int MaxMemoryMb { get; init; } = 16384;

    /// <summary>How long stopped and failed capsules stay readable.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The port proxy's domain; null matches any suffix (spec §6).</summary>
    public string? ProxyDomain { get; init; }

    /// <summary>Whether the port proxy requires an API key.</summary>
    public bool ProxyRequiresKey { get; init; }

    /// <summary>When set, GET /metrics requires this bearer token.</summary>
    public string? MetricsToken { get; init; }

    /// <summary>Whether users may sign up (the very first user always may).</summary>
    public bool SignupEnabled { get; init; } = true;

    /// <summary>How often auto-pause looks for idle capsules.</summary>
    public TimeSpan IdleScanInterval { get; init; } = TimeSpan.FromSeconds(1);
}
