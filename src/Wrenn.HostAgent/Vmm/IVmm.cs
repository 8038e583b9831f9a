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

    /// <summary>
    /// The capsule's root disk file in its directory, and a template's in its snapshot directory
    /// (a capsule made from the template is based on it).
    /// </summary>
    string DiskFile { get; }

    /// <summary>Boots a VM for <paramref name="spec"/>; on failure nothing is left running.</summary>
    Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a VM for <paramref name="spec"/> from a snapshot: its device state and what memory
    /// the driver must place first are loaded before the guest runs, the rest of its memory loads
    /// lazily from <see cref="VmSpec.Memory"/>. On failure nothing is left running.
    /// </summary>
    Task<IVm> RestoreAsync(VmSpec spec, SnapshotFiles files, CancellationToken cancellationToken);

    /// <summary>
    /// The files (names in <paramref name="files"/>' directory) that <see cref="IVm.SnapshotAsync"/>
    /// or <see cref="FreezeTemplateAsync"/> wrote there: with the manifest and the disk, what a copy
    /// of the snapshot on another host needs besides what it is based on (a template, an image).
    /// </summary>
    IReadOnlyList<string> SnapshotFiles(SnapshotFiles files);

    /// <summary>
    /// Makes a template in <paramref name="target"/> out of a stopped capsule (its VM is
    /// <paramref name="spec"/>; <paramref name="changes"/> is the snapshot just taken of it): full
    /// memory and a disk that no longer depend on the capsule. Returns the file the new disk is
    /// based on (an image), or null when it stands alone.
    /// </summary>
    Task<string?> FreezeTemplateAsync(VmSpec spec, SnapshotFiles changes, SnapshotFiles target, CancellationToken cancellationToken);

    /// <summary>
    /// After a snapshot and its disk were copied from another host: points them at this host's
    /// copies of the files they are based on (<paramref name="moved"/>: path there → path here).
    /// </summary>
    Task RebaseAsync(string disk, SnapshotFiles files, IReadOnlyDictionary<string, string> moved, CancellationToken cancellationToken);

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
