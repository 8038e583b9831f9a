using Wrenn.HostAgent.PageServer;

namespace Wrenn.HostAgent.Vmm.Firecracker;

/// <summary>How Firecracker capsules run (operator guide: docs/firecracker.md).</summary>
public sealed record FirecrackerOptions
{
    /// <summary>The firecracker binary.</summary>
    public required string Firecracker { get; init; }

    /// <summary>Firecracker's jailer binary; when set every VMM runs in a chroot, its own cgroup and as <see cref="JailUid"/>.</summary>
    public string? Jailer { get; init; }

    /// <summary>Unprivileged user and group the jailed VMMs run as.</summary>
    public int JailUid { get; init; } = 65534;

    public int JailGid { get; init; } = 65534;

    /// <summary>Where jails are made (the jailer's --chroot-base-dir); must be on the data directory's filesystem.</summary>
    public required string JailDirectory { get; init; }

    public PageServerOptions PageServer { get; init; } = new();

    /// <summary>
    /// Whether Firecracker can run here: a configured binary that exists and a /dev/kvm this
    /// process can open. The driver is chosen only then; otherwise QEMU runs the capsules.
    /// </summary>
    public bool Usable => File.Exists(Firecracker) && HostCpu.KvmUsable && (Jailer is null || File.Exists(Jailer));
}
