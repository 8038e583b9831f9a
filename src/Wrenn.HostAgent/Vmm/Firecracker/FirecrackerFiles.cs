using Wrenn.HostAgent.Capsules;
using Wrenn.HostAgent.Snapshots;

namespace Wrenn.HostAgent.Vmm.Firecracker;

/// <summary>
/// Firecracker's snapshot format (docs/memory-layers.md): beside the device state, memory is a
/// chain of layer files named in memory.json, with the working set to prefetch; the root disk is a
/// raw ext4 image.
/// </summary>
internal static class FirecrackerFiles
{
    public const string Disk = "disk.raw";

    public const string LayerExtension = ".wmem";

    /// <summary>The memory layers that make up guest RAM.</summary>
    public static string MemoryChain(SnapshotFiles files) => Path.Combine(files.Root, "memory.json");

    /// <summary>Pages the guest touched after its previous resume, prefetched first.</summary>
    public static string WorkingSet(SnapshotFiles files) => Path.Combine(files.Root, "working-set");

    public static string DiskOf(CapsuleDirectory directory) => Path.Combine(directory.Root, Disk);
}
