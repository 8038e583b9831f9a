using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Vmm;

/// <summary>
/// A VMM driver: boots capsule VMs and re-adopts the ones still running from an earlier host agent.
/// QEMU (KVM or TCG) and Firecracker implement it.
/// </summary>
public interface IVmm
{
    /// <summary>Driver name recorded in each capsule's state, e.g. "qemu".</summary>
    string Name { get; }

    /// <summary>
    /// Whether the VMs it boots get a network card in a capsule network namespace
    /// (<see cref="Network.CapsuleNetworks"/>). A restore builds the devices its snapshot had.
    /// </summary>
    bool Networked { get; }

    /// <summary>
    /// What this driver's template snapshots differ by besides image and size, part of their cache
    /// key: the machine model (driver, network card) and what a cold boot bakes into the guest
    /// (the capsule network's resolvers). Empty for QEMU without network.
    /// </summary>
    string TemplateVariant { get; }

    /// <summary>Boots a VM for <paramref name="spec"/>; on failure nothing is left running.</summary>
    Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a VM for <paramref name="spec"/> from a snapshot: its device state and changed pages
    /// are loaded before the guest runs, the rest of its memory loads lazily from
    /// <see cref="VmSpec.Memory"/>. On failure nothing is left running.
    /// </summary>
    Task<IVm> RestoreAsync(VmSpec spec, SnapshotFiles files, int changedPages, CancellationToken cancellationToken);

    /// <summary>
    /// Takes over the VM described by <paramref name="spec"/> if its VMM process
    /// (<paramref name="process"/>) is still alive; null when it is gone.
    /// </summary>
    Task<IVm?> AdoptAsync(VmSpec spec, VmmProcess process, CancellationToken cancellationToken);

    /// <summary>
    /// Stops a VMM process an earlier host agent started for the capsule in
    /// <paramref name="directory"/> and that nothing tracks — a boot or restore cut short by a
    /// crash — found by its pidfile, and releases what it held. Does nothing when there is none.
    /// </summary>
    Task StopLeftoverAsync(CapsuleDirectory directory, CancellationToken cancellationToken);
}
