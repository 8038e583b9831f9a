namespace Wrenn.ControlPlane;

/// <summary>Operator settings of the control plane (docs/operations.md); defaults are the spec's.</summary>
public sealed record ControlPlaneOptions
{
    public required string DataDirectory { get; init; }

    /// <summary>
    /// The PostgreSQL database (<c>postgres://user:password@host:port/database</c>); null: SQLite in
    /// the data directory.
    /// </summary>
    public string? DatabaseUrl { get; init; }

    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(6);

    /// <summary>The memory_mb of a create that names none (spec §4.1).</summary>
    public const int DefaultMemoryMb = 512;

    public int MaxVcpus { get; init; } = 8;

    public int MaxMemoryMb { get; init; } = 16384;

    /// <summary>memory_mb must be a multiple of this: each size a capsule asks for is a template snapshot to build and keep.</summary>
    public int MemoryStepMb { get; init; } = 128;

    /// <summary>How long stopped and failed capsules stay readable.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The port proxy's domain; null matches any suffix (spec §6).</summary>
    public string? ProxyDomain { get; init; }

    /// <summary>The path E2B's REST API is served under (docs/e2b.md); null: not served.</summary>
    public string? E2bPath { get; init; } = "/e2b";

    /// <summary>Whether the port proxy requires an API key.</summary>
    public bool ProxyRequiresKey { get; init; }

    /// <summary>When set, GET /metrics requires this bearer token.</summary>
    public string? MetricsToken { get; init; }

    /// <summary>Whether users may sign up (the very first user always may).</summary>
    public bool SignupEnabled { get; init; } = true;

    /// <summary>The built web dashboard served at <c>/</c> (docs/dashboard.md); null: the API only.</summary>
    public string? DashboardDirectory { get; init; }

    /// <summary>Limits on what one team may run and store (spec §2.4); unlimited by default.</summary>
    public TeamQuotas Quotas { get; init; } = TeamQuotas.Unlimited;

    /// <summary>Requests per credential (spec §2.4); off by default.</summary>
    public RequestRate RequestRate { get; init; } = RequestRate.Off;

    /// <summary>How often auto-pause looks for idle capsules.</summary>
    public TimeSpan IdleScanInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A host silent for longer than this is unreachable and its capsules missing (spec §7.4: 30 s).</summary>
    public TimeSpan HostHeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often host liveness is checked.</summary>
    public TimeSpan HostCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether this server has a host of its own (an <see cref="Host.Protocol.ICapsuleHost"/> registered beside it).</summary>
    public bool InProcessHost { get; init; } = true;

    /// <summary>Where every host sends paused capsules and team templates (docs/portable-snapshots.md); null: they stay on their hosts.</summary>
    public Host.Protocol.SnapshotStoreSettings? SnapshotStore { get; init; }

    /// <summary>
    /// Whether every host can reach <see cref="SnapshotStore"/>. False for the default store, a
    /// directory of this machine: only the in-process host uses it, and <c>wrenn agent</c> hosts keep
    /// their snapshots to themselves until the operator names a shared store.
    /// </summary>
    public bool SnapshotStoreShared { get; init; } = true;

    /// <summary>How often the snapshot store is swept of what no capsule or template needs any more, and how old an unneeded chunk must be to go.</summary>
    public TimeSpan StoreCollectionInterval { get; init; } = TimeSpan.FromHours(1);

    /// <inheritdoc cref="StoreCollectionInterval"/>
    public TimeSpan StoreCollectionGrace { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// PEM files of a CA the operator supplies for host certificates (both or neither); without
    /// them the control plane makes its own and keeps it in the database.
    /// </summary>
    public string? HostCaCertificate { get; init; }

    /// <inheritdoc cref="HostCaCertificate"/>
    public string? HostCaKey { get; init; }

    /// <summary>How often the in-process host heartbeats (spec §7.4: every 10 s).</summary>
    public TimeSpan HostHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>What one team may have at once; 0 means unlimited.</summary>
/// <param name="MaxCapsules">Capsules pending, starting or running.</param>
/// <param name="MaxVcpus">Their total vCPUs.</param>
/// <param name="MaxMemoryMb">Their total memory.</param>
/// <param name="MaxSnapshotBytes">Disk of the team's paused capsules and templates.</param>
public sealed record TeamQuotas(int MaxCapsules, int MaxVcpus, int MaxMemoryMb, long MaxSnapshotBytes)
{
    public static TeamQuotas Unlimited { get; } = new(0, 0, 0, 0);

    /// <summary>Whether a capsule of this size is beyond the quota on its own: waiting for others to stop would not help.</summary>
    public bool TooLargeAlone(long vcpus, long memoryMb) => (MaxVcpus > 0 && vcpus > MaxVcpus) || (MaxMemoryMb > 0 && memoryMb > MaxMemoryMb);
}

/// <summary>A token bucket per credential: <paramref name="PerSecond"/> refill, <paramref name="Burst"/> capacity; off when PerSecond is 0.</summary>
public sealed record RequestRate(double PerSecond, int Burst)
{
    public static RequestRate Off { get; } = new(0, 1);

    public bool Enabled => PerSecond > 0;
}
